using Dapper;

namespace Auditor.Storage.Samples;

/// <summary>Filters for stored samples; every value is passed as a parameter, never put into the SQL text.</summary>
/// <param name="Viewer">Who is searching: each row says whether they have a standing verdict on its review item (blind review).</param>
public sealed record SampleQuery(string? Model, string? Route, string? Detector, string? Verdict, DateTimeOffset From, DateTimeOffset To, int Limit = 100,
    string? Viewer = null);

/// <summary>One row of a search result: enough to list and link the sample.</summary>
public sealed record SampleListItem(string SampleId, string Model, string Route, string? Deployment, DateTimeOffset OccurredAt,
    bool Flagged, string Preview, string? Stratum, long? ItemId, string? LatestVerdict, IReadOnlyList<string> FlaggedBy,
    string? ItemState = null, bool DecidedByViewer = false);

/// <summary>Searches stored (flagged or review-selected) samples by stream, detector, verdict and time, newest first.</summary>
public sealed class SampleSearch(AuditorDatabase database)
{
    private const int PreviewChars = 200;

    public async Task<IReadOnlyList<SampleListItem>> FindAsync(SampleQuery query, CancellationToken ct)
    {
        const string sql = """
            SELECT s.sample_id AS SampleId, s.model AS Model, s.route AS Route, s.deployment AS Deployment, s.occurred_at AS OccurredAt,
                   s.flagged AS Flagged, substr(s.output, 1, @preview) AS Preview, r.stratum AS Stratum, r.item_id AS ItemId,
                   (SELECT v.verdict FROM verdicts v WHERE v.item_id = r.item_id AND v.retracted_at IS NULL ORDER BY v.created_at DESC LIMIT 1) AS LatestVerdict,
                   r.state AS ItemState,
                   CASE WHEN EXISTS (SELECT 1 FROM verdicts v WHERE v.item_id = r.item_id AND v.reviewer = @Viewer AND v.retracted_at IS NULL) THEN 1 ELSE 0 END AS DecidedByViewer
            FROM samples s LEFT JOIN review_items r ON r.sample_id = s.sample_id
            WHERE s.occurred_at >= @From AND s.occurred_at < @To
              AND (@Model IS NULL OR s.model = @Model)
              AND (@Route IS NULL OR s.route = @Route)
              AND (@Detector IS NULL OR EXISTS (SELECT 1 FROM detector_results d WHERE d.sample_id = s.sample_id AND d.detector = @Detector AND d.flagged = @yes))
              AND (@Verdict IS NULL OR EXISTS (SELECT 1 FROM verdicts v WHERE v.sample_id = s.sample_id AND v.verdict = @Verdict AND v.retracted_at IS NULL))
            ORDER BY s.occurred_at DESC, s.sample_id
            LIMIT @Limit
            """;
        await using var c = await database.OpenAsync(ct);
        var rows = (await c.QueryAsync<Row>(new CommandDefinition(sql, new
        {
            query.Model, query.Route, query.Detector, query.Verdict, query.From, query.To, query.Viewer,
            Limit = Math.Clamp(query.Limit, 1, 1000), preview = PreviewChars, yes = true,
        }, cancellationToken: ct))).ToList();
        var ids = rows.Select(r => r.SampleId).ToArray();
        var flaggedBy = (ids.Length == 0 ? [] : await c.QueryAsync<(string SampleId, string Detector)>(new CommandDefinition(
                database.Kind == StoreKind.Postgres
                    ? "SELECT sample_id, detector FROM detector_results WHERE flagged AND sample_id = ANY(@ids)"
                    : "SELECT sample_id, detector FROM detector_results WHERE flagged = 1 AND sample_id IN @ids",
                new { ids }, cancellationToken: ct))).ToLookup(x => x.SampleId, x => x.Detector);
        return rows.Select(r => new SampleListItem(r.SampleId, r.Model, r.Route, r.Deployment, r.OccurredAt, r.Flagged, r.Preview,
            r.Stratum, r.ItemId, r.LatestVerdict, flaggedBy[r.SampleId].Order().ToList(), r.ItemState, r.DecidedByViewer != 0)).ToList();
    }

    private sealed class Row
    {
        public string SampleId { get; set; } = "";
        public string Model { get; set; } = "";
        public string Route { get; set; } = "";
        public string? Deployment { get; set; }
        public DateTimeOffset OccurredAt { get; set; }
        public bool Flagged { get; set; }
        public string Preview { get; set; } = "";
        public string? Stratum { get; set; }
        public long? ItemId { get; set; }
        public string? LatestVerdict { get; set; }
        public string? ItemState { get; set; }
        public long DecidedByViewer { get; set; }
    }
}
