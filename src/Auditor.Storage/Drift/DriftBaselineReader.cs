using System.Text.Json;
using Auditor.Detection.Drift;
using Auditor.Detection.Features;
using Auditor.Review.Verdicts;
using Dapper;

namespace Auditor.Storage.Drift;

/// <summary>
/// A stream's baseline: the features of its uniform-stratum samples without confirmed failures (what the model is fitted
/// on), those of the confirmed failures left out (the indicator rules count them: a window counts every output), and
/// the indicator rules counted over every sample judged in the same window (<c>indicator_hour_counters</c>, as
/// <see cref="IndicatorHistory.Baseline"/> weighs them), when every current rule was counted over the same samples there.
/// </summary>
public sealed record DriftBaseline(string Model, string Route, IReadOnlyList<OutputFeatures> Features, IReadOnlyList<OutputFeatures> Failures,
    DriftIndicatorBaseline? JudgedIndicators = null)
{
    public int ExcludedFailures => Failures.Count;
}

/// <summary>
/// Reads drift baselines: uniform-stratum samples (the unbiased picture of a stream) in whole hours ending at the last
/// hour boundary, leaving out every sample whose settled verdict is failure (<see cref="SettledVerdict"/>). Per stream
/// the most recent rows are taken in a fixed order, so consumers reading the same database in the same hour agree.
/// </summary>
public sealed class DriftBaselineReader(AuditorDatabase database)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<IReadOnlyList<DriftBaseline>> ReadAsync(DateTimeOffset now, TimeSpan window, int perStream, CancellationToken ct,
        string? model = null, string? route = null)
    {
        var end = UtcHour.Floor(now);
        const string sql = """
            SELECT ItemId, Done, Model, Route, Features FROM (
                SELECT r.item_id AS ItemId, CASE WHEN r.state = 'done' THEN 1 ELSE 0 END AS Done,
                       s.model AS Model, s.route AS Route, CAST(s.features AS text) AS Features,
                       ROW_NUMBER() OVER (PARTITION BY s.model, s.route ORDER BY s.occurred_at DESC, s.sample_id) AS n
                FROM samples s JOIN review_items r ON r.sample_id = s.sample_id
                WHERE r.stratum = 'uniform' AND s.output_captured = @captured AND s.occurred_at >= @from AND s.occurred_at < @end
                  AND (@model IS NULL OR s.model = @model) AND (@route IS NULL OR s.route = @route)) ranked
            WHERE n <= @perStream
            ORDER BY Model, Route, n
            """;
        const string verdicts = """
            SELECT v.item_id AS ItemId, v.reviewer AS Reviewer, v.verdict AS Verdict, v.category AS Category
            FROM verdicts v JOIN review_items r ON r.item_id = v.item_id JOIN samples s ON s.sample_id = r.sample_id
            WHERE v.retracted_at IS NULL AND r.stratum = 'uniform' AND s.occurred_at >= @from AND s.occurred_at < @end
              AND (@model IS NULL OR s.model = @model) AND (@route IS NULL OR s.route = @route)
            ORDER BY v.verdict_id
            """;
        await using var c = await database.OpenAsync(ct);
        var args = new { from = end - window, end, perStream, model, route, captured = true };
        var rows = await c.QueryAsync<(long ItemId, int Done, string Model, string Route, string Features)>(new CommandDefinition(sql, args, cancellationToken: ct));
        var cast = (await c.QueryAsync<(long ItemId, string Reviewer, string Verdict, string? Category)>(new CommandDefinition(verdicts, args, cancellationToken: ct)))
            .ToLookup(v => v.ItemId, v => new CastVerdict(v.Reviewer, v.Verdict, v.Category));
        var history = await c.QueryAsync<(string Model, string Route, string Indicator, DateTimeOffset Hour, long Samples, long Met)>(new CommandDefinition("""
            SELECT model, route, indicator, hour, samples, met FROM indicator_hour_counters
            WHERE hour >= @from AND hour < @end AND (@model IS NULL OR model = @model) AND (@route IS NULL OR route = @route)
            """, new { from = end - window, end, model, route }, cancellationToken: ct));
        var historyByStream = history.ToLookup(h => (h.Model, h.Route));
        return rows.GroupBy(r => (r.Model, r.Route))
            .Select(g =>
            {
                // In the stream's order: fitted samples, and the confirmed failures the fit leaves out.
                var byFailed = g.ToLookup(r => SettledVerdict.Settle(cast[r.ItemId].ToList(), r.Done != 0) is { IsFailure: true },
                    r => JsonSerializer.Deserialize<OutputFeatures>(r.Features, Json)!);
                return new DriftBaseline(g.Key.Model, g.Key.Route, byFailed[false].ToList(), byFailed[true].ToList(),
                    IndicatorHistory.Baseline(historyByStream[g.Key].Select(h => new IndicatorHour(h.Indicator, h.Hour, h.Samples, h.Met))));
            })
            .ToList();
    }
}
