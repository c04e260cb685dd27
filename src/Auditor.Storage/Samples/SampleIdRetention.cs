using Dapper;

namespace Auditor.Storage.Samples;

/// <summary>
/// Keeps the dedupe table bounded. An id may be forgotten once its sample's occurredAt is older than the contract
/// accepts (30 days): a re-sent copy would be rejected as too old anyway, so it can never be counted twice.
/// </summary>
public sealed class SampleIdRetention(AuditorDatabase database)
{
    /// <summary>Deletes dedupe rows of samples that occurred before <paramref name="before"/>; returns how many.</summary>
    public async Task<int> PurgeAsync(DateTimeOffset before, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteAsync(new CommandDefinition("DELETE FROM sample_ids WHERE occurred_at < @before", new { before }, cancellationToken: ct));
    }
}
