using Dapper;

namespace Auditor.Storage.Accounts;

/// <summary>A reviewer or admin account. The hash is ASP.NET Core's PasswordHasher format.</summary>
public sealed record UserAccount(string Name, string PasswordHash, string Role, DateTimeOffset CreatedAt);

/// <summary>Roles an account may have.</summary>
public static class Roles
{
    public const string Reviewer = "reviewer";
    public const string Admin = "admin";

    public static bool IsValid(string role) => role is Reviewer or Admin;
}

/// <summary>Accounts of people who log in to the review UI and the read APIs.</summary>
public sealed class UserStore(AuditorDatabase database, TimeProvider clock)
{
    private const string Columns = "name AS Name, password_hash AS PasswordHash, role AS Role, created_at AS CreatedAt";

    /// <summary>Adds an account; false when the name is taken.</summary>
    public async Task<bool> AddAsync(string name, string passwordHash, string role, CancellationToken ct)
    {
        if (!Roles.IsValid(role))
            throw new ArgumentException($"Unknown role '{role}': use {Roles.Reviewer} or {Roles.Admin}.", nameof(role));
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO users (name, password_hash, role, created_at) VALUES (@name, @passwordHash, @role, @at) ON CONFLICT (name) DO NOTHING",
            new { name, passwordHash, role, at = clock.GetUtcNow() }, cancellationToken: ct)) == 1;
    }

    public async Task<UserAccount?> FindAsync(string name, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<UserAccountRow>(new CommandDefinition(
            $"SELECT {Columns} FROM users WHERE name = @name", new { name }, cancellationToken: ct)) is { } r
            ? new UserAccount(r.Name, r.PasswordHash, r.Role, r.CreatedAt)
            : null;
    }

    public async Task UpdatePasswordHashAsync(string name, string passwordHash, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        await c.ExecuteAsync(new CommandDefinition("UPDATE users SET password_hash = @passwordHash WHERE name = @name", new { name, passwordHash }, cancellationToken: ct));
    }

    /// <summary>How many accounts have the role.</summary>
    public async Task<long> CountAsync(string role, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM users WHERE role = @role", new { role }, cancellationToken: ct));
    }

    private sealed class UserAccountRow
    {
        public string Name { get; set; } = "";
        public string PasswordHash { get; set; } = "";
        public string Role { get; set; } = "";
        public DateTimeOffset CreatedAt { get; set; }
    }
}
