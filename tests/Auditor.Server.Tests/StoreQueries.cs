using Auditor.Storage;
using Dapper;

namespace Auditor.Server.Tests;

/// <summary>Direct reads of the store, for asserting what the pipeline wrote.</summary>
public static class StoreQueries
{
    public static async Task<long> CountedAsync(this AuditorDatabase db, IEnumerable<string> sampleIds)
    {
        await using var c = await db.OpenAsync(default);
        var ids = sampleIds.ToArray();
        long n = 0;
        foreach (var chunk in ids.Chunk(500))
            n += await c.ExecuteScalarAsync<long>(db.Kind == StoreKind.Postgres
                ? "SELECT COUNT(*) FROM sample_ids WHERE sample_id = ANY(@chunk)"
                : "SELECT COUNT(*) FROM sample_ids WHERE sample_id IN @chunk", new { chunk });
        return n;
    }

    public static async Task<long> StreamTotalAsync(this AuditorDatabase db, string route)
    {
        await using var c = await db.OpenAsync(default);
        return await c.ExecuteScalarAsync<long?>("SELECT SUM(total) FROM stream_hour_counters WHERE route = @route", new { route }) ?? 0;
    }

    public static async Task<IReadOnlyList<(string? SampleId, string Errors, string Payload, string Source)>> RejectedAsync(this AuditorDatabase db)
    {
        await using var c = await db.OpenAsync(default);
        return (await c.QueryAsync<(string?, string, string, string)>(
            "SELECT sample_id, CAST(errors AS text), payload, source FROM rejected_samples ORDER BY id")).ToList();
    }

    public static async Task<bool> IsStoredAsync(this AuditorDatabase db, string sampleId)
    {
        await using var c = await db.OpenAsync(default);
        return await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM samples WHERE sample_id = @sampleId", new { sampleId }) == 1;
    }
}
