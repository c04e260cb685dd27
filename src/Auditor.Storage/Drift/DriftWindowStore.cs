using System.Text.Json;
using Auditor.Detection.Drift;
using Dapper;

namespace Auditor.Storage.Drift;

/// <summary>
/// Window sketches in the database: each consumer writes its running totals per stream, 10-minute slot and model version under
/// its own name (replacing its previous row), and the monitor sums all consumers' rows.
/// </summary>
public sealed class DriftWindowStore(AuditorDatabase database, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task SaveAsync(string consumer, IReadOnlyList<(DriftSketchKey Key, DriftWindowCounts Counts)> sketches, CancellationToken ct)
    {
        if (sketches.Count == 0)
            return;
        var now = clock.GetUtcNow();
        await using var c = await database.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        await c.ExecuteAsync(new CommandDefinition($"""
            INSERT INTO drift_window_counts (model, route, slot, model_version, consumer, counts, updated_at)
            VALUES (@Model, @Route, @Slot, @ModelVersion, @consumer, {database.Json("counts")}, @now)
            ON CONFLICT (model, route, slot, model_version, consumer) DO UPDATE SET counts = excluded.counts, updated_at = excluded.updated_at
            """, sketches.Select(s => new
        {
            s.Key.Model, s.Key.Route, s.Key.Slot, s.Key.ModelVersion, consumer, counts = JsonSerializer.Serialize(s.Counts, Json), now,
        }), tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
    }

    /// <summary>Every consumer's sketches of slots from <paramref name="from"/> on, summed per stream, slot and model version.</summary>
    public async Task<IReadOnlyList<(DriftSketchKey Key, DriftWindowCounts Counts)>> ReadAsync(DateTimeOffset from, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var rows = await c.QueryAsync<(string Model, string Route, DateTimeOffset Slot, long ModelVersion, string Counts)>(new CommandDefinition(
            "SELECT model, route, slot, model_version, CAST(counts AS text) FROM drift_window_counts WHERE slot >= @from ORDER BY model, route, slot, model_version, consumer",
            new { from }, cancellationToken: ct));
        return rows.GroupBy(r => new DriftSketchKey(r.Model, r.Route, r.Slot, r.ModelVersion))
            .Select(g => (g.Key, g.Select(r => JsonSerializer.Deserialize<DriftWindowCounts>(r.Counts, Json)!).Aggregate((a, b) => a.Plus(b))))
            .ToList();
    }

    public async Task<int> PruneAsync(DateTimeOffset before, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteAsync(new CommandDefinition("DELETE FROM drift_window_counts WHERE slot < @before", new { before }, cancellationToken: ct));
    }
}
