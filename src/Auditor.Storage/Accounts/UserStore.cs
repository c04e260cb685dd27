using System.Security.Cryptography;
using Dapper;

namespace Auditor.Storage.Accounts;

/// <summary>
/// A reviewer or admin account. The hash is ASP.NET Core's PasswordHasher format. <paramref name="SecurityStamp"/>
/// changes whenever existing sessions must end (logout, password change, disable); <paramref name="DisabledAt"/> is
/// set while the account may not log in.
/// </summary>
public sealed record UserAccount(string Name, string PasswordHash, string Role, DateTimeOffset CreatedAt, string SecurityStamp = "", DateTimeOffset? DisabledAt = null)
{
    public bool Disabled => DisabledAt is not null;
}

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
    private const string Columns = """
        name AS Name, password_hash AS PasswordHash, role AS Role, created_at AS CreatedAt, security_stamp AS SecurityStamp,
        disabled_at AS DisabledAt
        """;

    /// <summary>A fresh random stamp: 128 bits, so a session cannot be kept alive by guessing the next one.</summary>
    public static string NewStamp() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    /// <summary>Adds an account; false when the name is taken.</summary>
    public async Task<bool> AddAsync(string name, string passwordHash, string role, CancellationToken ct)
    {
        if (!Roles.IsValid(role))
            throw new ArgumentException($"Unknown role '{role}': use {Roles.Reviewer} or {Roles.Admin}.", nameof(role));
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO users (name, password_hash, role, created_at, security_stamp) VALUES (@name, @passwordHash, @role, @at, @stamp) ON CONFLICT (name) DO NOTHING",
            new { name, passwordHash, role, at = clock.GetUtcNow(), stamp = NewStamp() }, cancellationToken: ct)) == 1;
    }

    public async Task<UserAccount?> FindAsync(string name, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<UserAccountRow>(new CommandDefinition(
            $"SELECT {Columns} FROM users WHERE name = @name", new { name }, cancellationToken: ct)) is { } r
            ? new UserAccount(r.Name, r.PasswordHash, r.Role, r.CreatedAt, r.SecurityStamp, r.DisabledAt)
            : null;
    }

    /// <summary>Re-hashes the same password in a newer format; sessions stay valid (nothing about the secret changed).</summary>
    public async Task UpdatePasswordHashAsync(string name, string passwordHash, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        await c.ExecuteAsync(new CommandDefinition("UPDATE users SET password_hash = @passwordHash WHERE name = @name", new { name, passwordHash }, cancellationToken: ct));
    }

    /// <summary>Sets a new password and ends every existing session of the account. False when there is no such account.</summary>
    public async Task<bool> ChangePasswordAsync(string name, string passwordHash, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET password_hash = @passwordHash, security_stamp = @stamp WHERE name = @name",
            new { name, passwordHash, stamp = NewStamp() }, cancellationToken: ct)) == 1;
    }

    /// <summary>Ends every existing session of the account (its login cookies stop working on their next request).</summary>
    public async Task<bool> EndSessionsAsync(string name, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET security_stamp = @stamp WHERE name = @name", new { name, stamp = NewStamp() }, cancellationToken: ct)) == 1;
    }

    /// <summary>
    /// Disables the account (no login by any means; its sessions end) or enables it again. False when there is no such
    /// account.
    /// </summary>
    public async Task<bool> SetDisabledAsync(string name, bool disabled, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var sql = disabled
            ? "UPDATE users SET disabled_at = @at, security_stamp = @stamp WHERE name = @name"
            : "UPDATE users SET disabled_at = NULL WHERE name = @name";
        return await c.ExecuteAsync(new CommandDefinition(sql, new { name, at = clock.GetUtcNow(), stamp = NewStamp() }, cancellationToken: ct)) == 1;
    }

    /// <summary>How many accounts have the role.</summary>
    public async Task<long> CountAsync(string role, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM users WHERE role = @role", new { role }, cancellationToken: ct));
    }

    /// <summary>How many accounts with the role may log in (not disabled).</summary>
    public async Task<long> CountEnabledAsync(string role, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM users WHERE role = @role AND disabled_at IS NULL", new { role }, cancellationToken: ct));
    }

    private sealed class UserAccountRow
    {
        public string Name { get; set; } = "";
        public string PasswordHash { get; set; } = "";
        public string Role { get; set; } = "";
        public DateTimeOffset CreatedAt { get; set; }
        public string SecurityStamp { get; set; } = "";
        public DateTimeOffset? DisabledAt { get; set; }
    }
}
