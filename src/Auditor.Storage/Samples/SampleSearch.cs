using System.Text;
using System.Text.Json;
using Auditor.Detection;
using Dapper;

namespace Auditor.Storage.Samples;

/// <summary>Filters for stored samples; every value is passed as a parameter, never put into the SQL text.</summary>
/// <param name="Text">Words and phrases the output must hold (null: any output).</param>
/// <param name="Offset">Rows skipped (newest first), for paging.</param>
/// <param name="Viewer">Who is searching: each row says whether they have a standing verdict on its review item (blind review).</param>
/// <param name="HiddenStratum">
/// The stratum whose items are blind to this viewer (BlindReview: "uniform" unless the viewer is an admin or blind
/// review is off), or null. A search by detector or verdict leaves out the rows the viewer may not see results of,
/// so such a filter cannot reveal what flagged a blind item or how others judged it.
/// </param>
public sealed record SampleQuery(string? Model, string? Route, string? Detector, string? Verdict, DateTimeOffset From, DateTimeOffset To, int Limit = 100,
    string? Viewer = null, string? Deployment = null, string? Stratum = null, SampleTextQuery? Text = null, int Offset = 0, string? HiddenStratum = null);

/// <summary>Where a flagged detector's evidence lies in a listed output.</summary>
public sealed record ListedEvidence(string Detector, EvidenceSpan Span);

/// <summary>One row of a search result: enough to list and link the sample and show a snippet of its output.</summary>
/// <param name="Text">The output's first <see cref="SampleTextQuery.IndexedChars"/> characters (the snippet is cut from it).</param>
/// <param name="OutputLength">The whole output's length in characters.</param>
public sealed record SampleListItem(string SampleId, string Model, string Route, string? Deployment, DateTimeOffset OccurredAt,
    bool Flagged, string Text, string? Stratum, long? ItemId, string? LatestVerdict, IReadOnlyList<string> FlaggedBy,
    string? ItemState = null, bool DecidedByViewer = false, IReadOnlyList<ListedEvidence>? Evidence = null, bool TextCaptured = true,
    long OutputLength = 0);

/// <summary>One page of a search: its rows and how many rows the whole search has.</summary>
public sealed record SamplePage(IReadOnlyList<SampleListItem> Items, long Total, int Offset, int Limit);

/// <summary>What the search can be narrowed to (the streams and deployments counted so far), and how many samples were counted and stored.</summary>
/// <param name="Counted">Every sample counted (the stream counters).</param>
/// <param name="Stored">Samples whose text was kept: flagged, or selected for review.</param>
public sealed record SampleFilterChoices(IReadOnlyList<(string Model, string Route)> Streams, IReadOnlyList<string> Deployments, long Counted, long Stored);

/// <summary>
/// Searches stored (flagged or review-selected) samples by stream, deployment, detector, stratum, verdict, time and
/// output text, newest first, a page at a time. Text search uses the full-text index of migration 0012 (PostgreSQL
/// tsvector + GIN, SQLite FTS5).
/// </summary>
public sealed class SampleSearch(AuditorDatabase database)
{
    public const int MaxLimit = 100;

    public async Task<SamplePage> FindAsync(SampleQuery query, CancellationToken ct)
    {
        var args = new DynamicParameters(new
        {
            query.Model, query.Route, query.Deployment, query.Detector, query.Stratum, query.Verdict, query.From, query.To, query.Viewer,
            query.HiddenStratum, Limit = Math.Clamp(query.Limit, 1, MaxLimit), Offset = Math.Max(0, query.Offset), chars = SampleTextQuery.IndexedChars,
            yes = true, revealing = query.Detector is not null || query.Verdict is not null,
        });
        var where = new StringBuilder("""
            s.occurred_at >= @From AND s.occurred_at < @To
              AND (@Model IS NULL OR s.model = @Model)
              AND (@Route IS NULL OR s.route = @Route)
              AND (@Deployment IS NULL OR s.deployment = @Deployment)
              AND (@Stratum IS NULL OR r.stratum = @Stratum)
              AND (@Detector IS NULL OR EXISTS (SELECT 1 FROM detector_results d WHERE d.sample_id = s.sample_id AND d.detector = @Detector AND d.flagged = @yes))
              AND (@Verdict IS NULL OR EXISTS (SELECT 1 FROM verdicts v WHERE v.sample_id = s.sample_id AND v.verdict = @Verdict AND v.retracted_at IS NULL))
              AND NOT (@revealing = @yes AND @HiddenStratum IS NOT NULL AND r.stratum IS NOT NULL AND r.stratum = @HiddenStratum AND r.state <> 'done'
                       AND NOT EXISTS (SELECT 1 FROM verdicts v WHERE v.item_id = r.item_id AND v.reviewer = @Viewer AND v.retracted_at IS NULL))
            """);
        if (query.Text is { } text)
        {
            if (database.Kind == StoreKind.Postgres)
            {
                // One phraseto_tsquery per term (the names are generated here, the values are parameters): each must match.
                for (var i = 0; i < text.Terms.Count; i++)
                {
                    where.Append($"\n  AND s.output_words @@ phraseto_tsquery('simple', @term{i})");
                    args.Add($"term{i}", text.Terms[i]);
                }
            }
            else
            {
                where.Append("\n  AND s.sample_id IN (SELECT k.sample_id FROM samples_words w JOIN sample_word_keys k ON k.word_key = w.rowid WHERE samples_words MATCH @match)");
                args.Add("match", text.Fts5Match());
            }
        }
        var from = "FROM samples s LEFT JOIN review_items r ON r.sample_id = s.sample_id";
        var rowsSql = $"""
            SELECT s.sample_id AS SampleId, s.model AS Model, s.route AS Route, s.deployment AS Deployment, s.occurred_at AS OccurredAt,
                   s.flagged AS Flagged, substr(s.output, 1, @chars) AS Text, length(s.output) AS OutputLength, s.output_captured AS TextCaptured,
                   r.stratum AS Stratum, r.item_id AS ItemId,
                   (SELECT v.verdict FROM verdicts v WHERE v.item_id = r.item_id AND v.retracted_at IS NULL ORDER BY v.created_at DESC LIMIT 1) AS LatestVerdict,
                   r.state AS ItemState,
                   CASE WHEN EXISTS (SELECT 1 FROM verdicts v WHERE v.item_id = r.item_id AND v.reviewer = @Viewer AND v.retracted_at IS NULL) THEN 1 ELSE 0 END AS DecidedByViewer
            {from}
            WHERE {where}
            ORDER BY s.occurred_at DESC, s.sample_id
            LIMIT @Limit OFFSET @Offset
            """;
        var countSql = $"SELECT COUNT(*) {from} WHERE {where}";

        await using var c = await database.OpenAsync(ct);
        var total = await c.ExecuteScalarAsync<long>(new CommandDefinition(countSql, args, cancellationToken: ct));
        var rows = (await c.QueryAsync<Row>(new CommandDefinition(rowsSql, args, cancellationToken: ct))).ToList();
        var ids = rows.Select(r => r.SampleId).ToArray();
        var flagged = (ids.Length == 0 ? [] : await c.QueryAsync<(string SampleId, string Detector, string Evidence)>(new CommandDefinition(
                database.Kind == StoreKind.Postgres
                    ? "SELECT sample_id, detector, CAST(evidence AS text) FROM detector_results WHERE flagged AND sample_id = ANY(@ids)"
                    : "SELECT sample_id, detector, evidence FROM detector_results WHERE flagged = 1 AND sample_id IN @ids",
                new { ids }, cancellationToken: ct))).ToLookup(x => x.SampleId);
        var items = rows.Select(r =>
        {
            var results = flagged[r.SampleId].OrderBy(x => x.Detector, StringComparer.Ordinal).ToList();
            var evidence = results.SelectMany(x => (JsonSerializer.Deserialize<List<EvidenceSpan>>(x.Evidence, SampleBatchWriter.Json) ?? [])
                .Select(span => new ListedEvidence(x.Detector, span))).ToList();
            return new SampleListItem(r.SampleId, r.Model, r.Route, r.Deployment, r.OccurredAt, r.Flagged, r.Text, r.Stratum, r.ItemId,
                r.LatestVerdict, results.Select(x => x.Detector).ToList(), r.ItemState, r.DecidedByViewer != 0, evidence, r.TextCaptured, r.OutputLength);
        }).ToList();
        return new SamplePage(items, total, Math.Max(0, query.Offset), Math.Clamp(query.Limit, 1, MaxLimit));
    }

    /// <summary>The streams and deployments counted so far (from the hour counters, so streams without a stored sample are listed too).</summary>
    public async Task<SampleFilterChoices> ChoicesAsync(CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var rows = (await c.QueryAsync<(string Model, string Route, string Deployment)>(new CommandDefinition(
            "SELECT DISTINCT model, route, deployment FROM stream_hour_counters", cancellationToken: ct))).ToList();
        var counted = await c.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT SUM(total) FROM stream_hour_counters", cancellationToken: ct)) ?? 0;
        var stored = await c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM samples", cancellationToken: ct));
        return new SampleFilterChoices(
            rows.Select(r => (r.Model, r.Route)).Distinct().OrderBy(s => s.Model, StringComparer.Ordinal).ThenBy(s => s.Route, StringComparer.Ordinal).ToList(),
            rows.Select(r => r.Deployment).Where(d => d.Length > 0).Distinct().Order(StringComparer.Ordinal).ToList(), counted, stored);
    }

    private sealed class Row
    {
        public string SampleId { get; set; } = "";
        public string Model { get; set; } = "";
        public string Route { get; set; } = "";
        public string? Deployment { get; set; }
        public DateTimeOffset OccurredAt { get; set; }
        public bool Flagged { get; set; }
        public string Text { get; set; } = "";
        public long OutputLength { get; set; }
        public bool TextCaptured { get; set; } = true;
        public string? Stratum { get; set; }
        public long? ItemId { get; set; }
        public string? LatestVerdict { get; set; }
        public string? ItemState { get; set; }
        public long DecidedByViewer { get; set; }
    }
}
