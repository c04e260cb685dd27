using System.Security.Cryptography;
using System.Text;
using Dapper;

namespace Auditor.Storage.Keys;

/// <summary>Ingestion keys the server generated itself, kept as SHA-256 hashes.</summary>
public sealed class ApiKeyStore(AuditorDatabase database, TimeProvider clock)
{
    public async Task<bool> AnyAsync(CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM api_keys", cancellationToken: ct)) > 0;
    }

    /// <summary>Creates a random key, stores its hash and returns the key (shown once).</summary>
    public async Task<string> CreateAsync(string note, CancellationToken ct)
    {
        var key = "aud_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        await using var c = await database.OpenAsync(ct);
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO api_keys (key_hash, created_at, note) VALUES (@hash, @at, @note)",
            new { hash = Hash(key), at = clock.GetUtcNow(), note }, cancellationToken: ct));
        return key;
    }

    public async Task<IReadOnlySet<string>> HashesAsync(CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<string>(new CommandDefinition("SELECT key_hash FROM api_keys", cancellationToken: ct))).ToHashSet(StringComparer.Ordinal);
    }

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
