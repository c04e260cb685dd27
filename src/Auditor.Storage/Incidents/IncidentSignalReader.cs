using Auditor.Review.Estimation;
using Auditor.Review.Incidents;
using Auditor.Review.Verdicts;
using Dapper;

namespace Auditor.Storage.Incidents;

/// <summary>What incident detection reads: hourly flag counts per stream and deployment, and reviewer-confirmed failures.</summary>
public sealed class IncidentSignalReader(AuditorDatabase database)
{
    /// <summary>
    /// Hourly totals and flagged counts per stream and deployment ("" for samples that named none) for hours in [from, to).
    /// </summary>
    public async Task<IReadOnlyDictionary<StreamKey, IReadOnlyDictionary<string, IReadOnlyList<HourlyFlags>>>> HourlyFlagsAsync(
        DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        const string sql = """
            SELECT model AS Model, route AS Route, deployment AS Deployment, hour AS Hour, total AS Total, flagged AS Flagged
            FROM stream_hour_counters WHERE hour >= @from AND hour < @to
            ORDER BY model, route, deployment, hour
            """;
        await using var c = await database.OpenAsync(ct);
        var rows = await c.QueryAsync<HourRow>(new CommandDefinition(sql, new { from, to }, cancellationToken: ct));
        return rows.GroupBy(r => new StreamKey(r.Model, r.Route))
            .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, IReadOnlyList<HourlyFlags>>)g.GroupBy(r => r.Deployment, StringComparer.Ordinal)
                .ToDictionary(d => d.Key, d => (IReadOnlyList<HourlyFlags>)d.Select(r => new HourlyFlags(r.Hour, r.Total, r.Flagged)).ToList(), StringComparer.Ordinal));
    }

    /// <summary>
    /// When one deployment's flagged samples ("" = those that named no deployment) in [from, to) occurred (flagged samples
    /// are always stored).
    /// </summary>
    public async Task<IReadOnlyList<DateTimeOffset>> FlaggedTimesAsync(StreamKey stream, string deployment, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<DateTimeOffset>(new CommandDefinition("""
            SELECT occurred_at FROM samples
            WHERE model = @Model AND route = @Route AND COALESCE(deployment, '') = @deployment AND flagged = @yes AND occurred_at >= @from AND occurred_at < @to
            ORDER BY occurred_at
            """, new { stream.Model, stream.Route, deployment, yes = true, from, to }, cancellationToken: ct))).ToList();
    }

    /// <summary>
    /// Done items whose <see cref="SettledVerdict"/> is failure, for samples that occurred at or after <paramref name="since"/>,
    /// with the settled category.
    /// </summary>
    public async Task<IReadOnlyList<ConfirmedFailure>> ConfirmedFailuresAsync(DateTimeOffset since, CancellationToken ct)
    {
        const string sql = """
            SELECT r.item_id AS ItemId, r.sample_id AS SampleId, r.model AS Model, r.route AS Route, s.occurred_at AS OccurredAt,
                   v.reviewer AS Reviewer, v.verdict AS Verdict, v.category AS Category, v.created_at AS CreatedAt
            FROM review_items r
            JOIN samples s ON s.sample_id = r.sample_id
            JOIN verdicts v ON v.item_id = r.item_id AND v.retracted_at IS NULL
            WHERE r.state = 'done' AND s.occurred_at >= @since
            """;
        await using var c = await database.OpenAsync(ct);
        var rows = await c.QueryAsync<VerdictRow>(new CommandDefinition(sql, new { since }, cancellationToken: ct));
        return rows.GroupBy(r => r.ItemId)
            .Select(g => (Rows: g, Settled: SettledVerdict.Settle(g.Select(r => new CastVerdict(r.Reviewer, r.Verdict, r.Category)).ToList(), done: true)))
            .Where(x => x.Settled is { IsFailure: true })
            .Select(x =>
            {
                var first = x.Rows.First();
                return new ConfirmedFailure(first.SampleId, new StreamKey(first.Model, first.Route), x.Settled!.Category!, first.OccurredAt, x.Rows.Max(r => r.CreatedAt));
            }).ToList();
    }

    private sealed class HourRow
    {
        public string Model { get; set; } = "";
        public string Route { get; set; } = "";
        public string Deployment { get; set; } = "";
        public DateTimeOffset Hour { get; set; }
        public long Total { get; set; }
        public long Flagged { get; set; }
    }

    private sealed class VerdictRow
    {
        public long ItemId { get; set; }
        public string SampleId { get; set; } = "";
        public string Model { get; set; } = "";
        public string Route { get; set; } = "";
        public DateTimeOffset OccurredAt { get; set; }
        public string Reviewer { get; set; } = "";
        public string Verdict { get; set; } = "";
        public string? Category { get; set; }
        public DateTimeOffset CreatedAt { get; set; }
    }
}
