using Dapper;

namespace Auditor.Storage.Streams;

/// <summary>Samples counted and flagged per stream (model, route) whose hour of occurrence lies in [from, to).</summary>
public sealed record StreamTotal(string Model, string Route, long Counted, long Flagged);

/// <summary>Per-stream totals from the stream-hour counters over a range of hours: one grouped read, no review or detector figures.</summary>
public sealed class StreamTotalsReader(AuditorDatabase database)
{
    private const string Sql = """
        SELECT model AS Model, route AS Route, SUM(total) AS Counted, SUM(flagged) AS Flagged
        FROM stream_hour_counters WHERE hour >= @from AND hour < @to
        GROUP BY model, route
        """;

    public async Task<IReadOnlyList<StreamTotal>> SumAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var rows = await c.QueryAsync<Row>(new CommandDefinition(Sql, new { from, to }, cancellationToken: ct));
        return rows.Select(r => new StreamTotal(r.Model, r.Route, r.Counted, r.Flagged)).ToList();
    }

    private sealed class Row
    {
        public string Model { get; set; } = "";
        public string Route { get; set; } = "";
        public long Counted { get; set; }
        public long Flagged { get; set; }
    }
}
