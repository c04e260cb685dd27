using Auditor.Review.Estimation;
using Auditor.Review.Reports;
using Auditor.Review.Reviewers;
using Auditor.Review.Verdicts;
using Auditor.Storage.Review;
using Auditor.Storage.Samples;
using Dapper;

namespace Auditor.Storage.Reports;

/// <summary>
/// Reads what the estimators need for a range of weeks: stream-hour counters (summed over deployments) with per-detector
/// flags, review items with their settled verdicts, the verdicts themselves (reviewer agreement and accuracy) or their
/// weekly tallies, and example outputs.
/// </summary>
/// <param name="database">Where the counters are.</param>
/// <param name="readWeeklyAggregates">False reads every hour from the hour counters, as before migration 0015 (for
/// <c>auditor bench report</c>'s comparison); the figures are the same either way.</param>
public sealed class ReportDataReader(AuditorDatabase database, bool readWeeklyAggregates = true)
{
    /// <summary>Whether whole weeks of counters are read from the weekly aggregates.</summary>
    public bool ReadsWeeklyAggregates => readWeeklyAggregates;

    /// <summary>
    /// Stream counters (summed over deployments) with per-detector flags over [from, to): one row per stream and whole
    /// week from the weekly aggregates (its Hour is the week's start: estimators bucket by week), one per stream-hour for
    /// partial weeks at the edges. The cost follows streams x weeks.
    /// </summary>
    public async Task<IReadOnlyList<StreamHourCounts>> CountsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        // The weekly aggregates are read row by row (one per stream, deployment and week) and summed over deployments
        // here: PostgreSQL's hash aggregate over text keys cost more database CPU than the rows it saves (docs/scale.md).
        const string weekStreams = """
            SELECT model AS Model, route AS Route, week_start AS Hour, total AS Total, flagged AS Flagged,
                   volume AS Volume, flagged_volume AS FlaggedVolume
            FROM week_stream_counts WHERE week_start >= @from AND week_start <= @to
            """;
        const string weekDetectors = """
            SELECT model AS Model, route AS Route, week_start AS Hour, detector AS Detector, flagged AS Flagged
            FROM week_detector_counts WHERE week_start >= @from AND week_start <= @to
            """;
        const string hourStreams = """
            SELECT model AS Model, route AS Route, hour AS Hour, SUM(total) AS Total, SUM(flagged) AS Flagged,
                   SUM(volume) AS Volume, SUM(flagged_volume) AS FlaggedVolume
            FROM stream_hour_counters WHERE hour >= @from AND hour < @to GROUP BY model, route, hour
            """;
        const string hourDetectors = """
            SELECT model AS Model, route AS Route, hour AS Hour, detector AS Detector, SUM(flagged) AS Flagged
            FROM detector_hour_counters WHERE hour >= @from AND hour < @to GROUP BY model, route, hour, detector
            """;
        await using var c = await database.OpenAsync(ct);
        var cover = WeekCover.Of(from, to, readWeeklyAggregates);
        var streams = new Dictionary<(string Model, string Route, DateTimeOffset Hour), CountRow>();
        var detectors = new Dictionary<(string Model, string Route, DateTimeOffset Hour), Dictionary<string, long>>();
        foreach (var (sql, dsql, args) in Reads(cover, weekStreams, weekDetectors, hourStreams, hourDetectors))
        {
            foreach (var r in await c.QueryAsync<CountRow>(new CommandDefinition(sql, args, cancellationToken: ct)))
            {
                if (streams.TryGetValue((r.Model, r.Route, r.Hour), out var sum))
                    (sum.Total, sum.Flagged, sum.Volume, sum.FlaggedVolume) = (sum.Total + r.Total, sum.Flagged + r.Flagged, sum.Volume + r.Volume, sum.FlaggedVolume + r.FlaggedVolume);
                else
                    streams[(r.Model, r.Route, r.Hour)] = r;
            }
            foreach (var d in await c.QueryAsync<DetectorRow>(new CommandDefinition(dsql!, args, cancellationToken: ct)))
            {
                if (!detectors.TryGetValue((d.Model, d.Route, d.Hour), out var flags))
                    detectors[(d.Model, d.Route, d.Hour)] = flags = new Dictionary<string, long>(StringComparer.Ordinal);
                flags[d.Detector] = flags.GetValueOrDefault(d.Detector) + d.Flagged;
            }
        }
        return streams.Values
            .Select(r => new StreamHourCounts(new StreamKey(r.Model, r.Route), r.Hour, r.Total, r.Flagged, r.Volume, r.FlaggedVolume,
                detectors.GetValueOrDefault((r.Model, r.Route, r.Hour)) ?? new Dictionary<string, long>(StringComparer.Ordinal)))
            .ToList();
    }

    /// <summary>Stream counters per deployment ("" for samples that named none), without per-detector flags; whole weeks from the aggregates.</summary>
    public async Task<IReadOnlyList<StreamHourCounts>> DeploymentCountsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        const string weekSql = """
            SELECT model AS Model, route AS Route, deployment AS Deployment, week_start AS Hour, total AS Total, flagged AS Flagged,
                   volume AS Volume, flagged_volume AS FlaggedVolume
            FROM week_stream_counts WHERE week_start >= @from AND week_start <= @to
            """;
        const string hourSql = """
            SELECT model AS Model, route AS Route, deployment AS Deployment, hour AS Hour, total AS Total, flagged AS Flagged,
                   volume AS Volume, flagged_volume AS FlaggedVolume
            FROM stream_hour_counters WHERE hour >= @from AND hour < @to
            """;
        await using var c = await database.OpenAsync(ct);
        var cover = WeekCover.Of(from, to, readWeeklyAggregates);
        var rows = new List<CountRow>();
        foreach (var (sql, _, args) in Reads(cover, weekSql, null, hourSql, null))
            rows.AddRange(await c.QueryAsync<CountRow>(new CommandDefinition(sql, args, cancellationToken: ct)));
        return rows
            .Select(r => new StreamHourCounts(new StreamKey(r.Model, r.Route), r.Hour, r.Total, r.Flagged, r.Volume, r.FlaggedVolume,
                new Dictionary<string, long>(), r.Deployment ?? ""))
            .ToList();
    }

    // The statements to run for a cover: the whole weeks from the aggregates in one statement, the edges from the hour counters.
    internal static IEnumerable<(string Sql, string? DetectorSql, object Args)> Reads(WeekCover cover, string weekSql, string? weekDetectorSql, string hourSql, string? hourDetectorSql)
    {
        if (cover.FirstWeek is { } first && cover.LastWeek is { } last)
            yield return (weekSql, weekDetectorSql, new { from = first, to = last });
        foreach (var (from, to) in cover.HourRanges)
            yield return (hourSql, hourDetectorSql, new { from, to });
    }

    /// <summary>Review items of samples that occurred in [from, to), with the settled verdict once the item is done.</summary>
    public async Task<ReviewData> ReviewsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        const string items = """
            SELECT r.item_id AS ItemId, r.sample_id AS SampleId, r.model AS Model, r.route AS Route, s.deployment AS Deployment, r.stratum AS Stratum,
                   r.inclusion_probability AS InclusionProbability, r.state AS State, s.occurred_at AS OccurredAt, s.flagged AS Flagged
            FROM review_items r JOIN samples s ON s.sample_id = r.sample_id
            WHERE s.occurred_at >= @from AND s.occurred_at < @to
            """;
        const string verdicts = """
            SELECT v.item_id AS ItemId, v.sample_id AS SampleId, v.reviewer AS Reviewer, v.verdict AS Verdict, v.category AS Category
            FROM verdicts v JOIN review_items r ON r.item_id = v.item_id JOIN samples s ON s.sample_id = r.sample_id
            WHERE v.retracted_at IS NULL AND s.occurred_at >= @from AND s.occurred_at < @to
            ORDER BY v.verdict_id
            """;
        const string flags = """
            SELECT d.sample_id AS SampleId, d.detector AS Detector
            FROM detector_results d JOIN review_items r ON r.sample_id = d.sample_id JOIN samples s ON s.sample_id = r.sample_id
            WHERE d.flagged = @yes AND s.occurred_at >= @from AND s.occurred_at < @to
            """;
        await using var c = await database.OpenAsync(ct);
        var itemRows = (await c.QueryAsync<ItemRow>(new CommandDefinition(items, new { from, to }, cancellationToken: ct))).ToList();
        var verdictRows = (await c.QueryAsync<VerdictRow>(new CommandDefinition(verdicts, new { from, to }, cancellationToken: ct))).ToLookup(v => v.ItemId);
        var flagRows = (await c.QueryAsync<FlagRow>(new CommandDefinition(flags, new { from, to, yes = true }, cancellationToken: ct))).ToLookup(f => f.SampleId);

        var reviewItems = itemRows.Select(r =>
        {
            var settled = SettledVerdict.Settle(verdictRows[r.ItemId].Select(v => new CastVerdict(v.Reviewer, v.Verdict, v.Category)).ToList(), r.State == "done");
            return new ReviewItem(r.SampleId, new StreamKey(r.Model, r.Route), UtcHour.Floor(r.OccurredAt),
                SampleBatchWriter.StratumOf(r.Stratum), r.InclusionProbability, r.Flagged,
                flagRows[r.SampleId].Select(f => f.Detector).Order(StringComparer.Ordinal).ToList(), settled?.Verdict, settled?.Category, r.Deployment ?? "");
        }).ToList();
        var itemIds = itemRows.ToDictionary(r => r.SampleId, r => r.ItemId, StringComparer.Ordinal);
        var reviewerVerdicts = verdictRows.SelectMany(g => g).Select(v => new ReviewerVerdict(v.SampleId, v.Reviewer, SettledVerdict.Parse(v.Verdict))).ToList();
        return new ReviewData(reviewItems, itemIds, reviewerVerdicts);
    }

    /// <summary>
    /// The weekly tallies of review items (migration 0016) for whole weeks in [from, to): one ReviewItem per tally row with
    /// its Count, Hour the week's start and no sample id. The estimators give the same figures from them as from
    /// <see cref="ReviewsAsync"/>'s items; the cost follows streams x weeks x distinct keys, not the items.
    /// </summary>
    public async Task<IReadOnlyList<ReviewItem>> ReviewTalliesAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        if (Retention.TimePartitionedTables.WeekStart(from) != from || Retention.TimePartitionedTables.WeekStart(to) != to)
            throw new ArgumentException($"Tallies cover whole weeks: {from:O} to {to:O} is not a range of whole weeks (Monday 00:00 UTC).", nameof(from));
        await using var c = await database.OpenAsync(ct);
        var rows = await c.QueryAsync<TallyRow>(new CommandDefinition("""
            SELECT week_start AS WeekStart, model AS Model, route AS Route, deployment AS Deployment, stratum AS Stratum, flagged AS Flagged,
                   flagged_by AS FlaggedBy, inclusion_probability AS InclusionProbability, verdict AS Verdict, items AS Items
            FROM week_review_tallies WHERE week_start >= @from AND week_start < @to AND items > 0
            """, new { from, to }, cancellationToken: ct));
        // A few distinct detector sets and one key per stream: each parsed once, not once per row.
        var sets = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var streams = new Dictionary<(string, string), StreamKey>();
        return rows.Select(r =>
        {
            if (!sets.TryGetValue(r.FlaggedBy, out var flaggedBy))
                sets[r.FlaggedBy] = flaggedBy = ReviewTallies.ParseFlaggedBy(r.FlaggedBy);
            if (!streams.TryGetValue((r.Model, r.Route), out var stream))
                streams[(r.Model, r.Route)] = stream = new StreamKey(r.Model, r.Route);
            return new ReviewItem("", stream, r.WeekStart, SampleBatchWriter.StratumOf(r.Stratum), r.InclusionProbability,
                r.Flagged, flaggedBy, ReviewTallies.ParseWord(r.Verdict), null, r.Deployment, checked((int)r.Items));
        }).ToList();
    }

    /// <summary>
    /// Reviewer agreement and accuracy from their weekly tallies (migration 0017): the rated pairs of the whole weeks in
    /// [<paramref name="weekFrom"/>, <paramref name="to"/>) (agreement reads the reported week) and the judgements of
    /// those in [<paramref name="from"/>, <paramref name="to"/>) (accuracy reads the trend weeks), each summed over its
    /// weeks. The estimators give the same figures from them as from every verdict and gold verdict read one by one; the
    /// cost follows weeks x reviewers, not verdicts.
    /// </summary>
    public async Task<TalliedReviewers> ReviewerTalliesAsync(DateTimeOffset from, DateTimeOffset weekFrom, DateTimeOffset to, CancellationToken ct)
    {
        foreach (var bound in new[] { from, weekFrom, to })
            if (Retention.TimePartitionedTables.WeekStart(bound) != bound)
                throw new ArgumentException($"Tallies cover whole weeks: {bound:O} is not the start of a week (Monday 00:00 UTC).", nameof(from));
        await using var c = await database.OpenAsync(ct);
        var pairs = await ReviewerTallies.SummedPairsAsync(c, (weekFrom, to), ct);
        var judgements = await c.QueryAsync<JudgementTallyRow>(new CommandDefinition("""
            SELECT reviewer AS Reviewer, reference AS Reference, given AS Given, gold AS Gold, SUM(judgements) AS Judgements
            FROM week_accuracy_tallies WHERE week_start >= @from AND week_start < @to
            GROUP BY reviewer, reference, given, gold HAVING SUM(judgements) > 0
            """, new { from, to }, cancellationToken: ct));
        return new TalliedReviewers(
            pairs,
            judgements.Select(j => new ReferenceJudgement(j.Reviewer, SettledVerdict.Parse(j.Reference), SettledVerdict.Parse(j.Given), j.Gold, checked((int)j.Judgements))).ToList());
    }

    /// <summary>
    /// Up to <paramref name="perStream"/> reviewed outputs per stream of samples that occurred in [from, to), chosen as
    /// <see cref="ExamplesAsync"/> chooses them (failures first, then flagged items judged, by item id) from the settled
    /// verdict each item keeps (migration 0016), so only the chosen items are read.
    /// </summary>
    public async Task<IReadOnlyList<ReportExampleSource>> SettledExamplesAsync(DateTimeOffset from, DateTimeOffset to, int perStream, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var chosen = (await c.QueryAsync<ExampleRow>(new CommandDefinition("""
            SELECT ItemId, SampleId, Model, Route, Verdict, Category FROM (
                SELECT r.item_id AS ItemId, r.sample_id AS SampleId, r.model AS Model, r.route AS Route, r.settled_verdict AS Verdict,
                       r.settled_category AS Category,
                       ROW_NUMBER() OVER (PARTITION BY r.model, r.route ORDER BY CASE WHEN r.settled_verdict = 'failure' THEN 0 ELSE 1 END, r.item_id) AS Place
                FROM review_items r
                WHERE r.settled_verdict IS NOT NULL AND (r.settled_verdict = 'failure' OR r.flagged = @yes)
                  AND r.occurred_at >= @from AND r.occurred_at < @to) x
            WHERE Place <= @perStream
            """, new { from, to, perStream, yes = true }, cancellationToken: ct))).ToList();
        if (chosen.Count == 0)
            return [];
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new List<FlagRow>();
        // PostgreSQL takes every id as one array; SQLite, in-process, takes lists of 500.
        foreach (var chunk in chosen.Select(i => i.SampleId).Chunk(database.Kind == StoreKind.Postgres ? int.MaxValue : 500))
        {
            // The week's bounds let PostgreSQL look in that week's partitions only, not in every week's index.
            var (names, args) = database.Kind == StoreKind.Postgres ? ("SELECT unnest(@ids)", new DynamicParameters(new { ids = chunk })) : InList(chunk);
            args.Add("yes", true);
            args.Add("from", from);
            args.Add("to", to);
            foreach (var row in await c.QueryAsync<OutputRow>(new CommandDefinition(
                $"SELECT sample_id AS SampleId, output AS Output FROM samples WHERE sample_id IN ({names}) AND occurred_at >= @from AND occurred_at < @to", args, cancellationToken: ct)))
                outputs[row.SampleId] = row.Output;
            flags.AddRange(await c.QueryAsync<FlagRow>(new CommandDefinition(
                $"SELECT sample_id AS SampleId, detector AS Detector FROM detector_results WHERE flagged = @yes AND sample_id IN ({names}) AND occurred_at >= @from AND occurred_at < @to",
                args, cancellationToken: ct)));
        }
        var flaggedBy = flags.ToLookup(f => f.SampleId, f => f.Detector, StringComparer.Ordinal);
        return chosen.Select(i => new ReportExampleSource(i.SampleId, i.ItemId, new StreamKey(i.Model, i.Route), i.Verdict, i.Category,
            flaggedBy[i.SampleId].Order(StringComparer.Ordinal).ToList(), outputs.GetValueOrDefault(i.SampleId, ""))).ToList();
    }

    // One parameter per id: IN with a list expands the same way for both databases.
    private static (string Names, DynamicParameters Args) InList(IReadOnlyList<string> ids)
    {
        var args = new DynamicParameters();
        for (var n = 0; n < ids.Count; n++)
            args.Add($"p{n}", ids[n]);
        return (string.Join(", ", ids.Select((_, n) => $"@p{n}")), args);
    }

    /// <summary>Gold verdicts (migration 0009) of samples that occurred in [from, to), by sample id.</summary>
    public async Task<IReadOnlyDictionary<string, ReviewVerdict>> GoldAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<(string SampleId, string Verdict)>(new CommandDefinition("""
            SELECT g.sample_id, g.verdict FROM gold_items g JOIN samples s ON s.sample_id = g.sample_id
            WHERE s.occurred_at >= @from AND s.occurred_at < @to
            """, new { from, to }, cancellationToken: ct))).ToDictionary(r => r.SampleId, r => SettledVerdict.Parse(r.Verdict), StringComparer.Ordinal);
    }

    /// <summary>Up to <paramref name="perStream"/> reviewed outputs per stream: failures first, then flagged items judged ok.</summary>
    public async Task<IReadOnlyList<ReportExampleSource>> ExamplesAsync(ReviewData reviews, DateTimeOffset from, DateTimeOffset to, int perStream, CancellationToken ct)
    {
        var chosen = reviews.Items.Where(i => i.Hour >= from && i.Hour < to && i.Verdict is not null && (i.Verdict == ReviewVerdict.Failure || i.Flagged))
            .GroupBy(i => i.Stream)
            .SelectMany(g => g.OrderByDescending(i => i.Verdict == ReviewVerdict.Failure).ThenBy(i => reviews.ItemIds[i.SampleId]).Take(perStream))
            .ToList();
        if (chosen.Count == 0)
            return [];
        await using var c = await database.OpenAsync(ct);
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var chunk in chosen.Select(i => i.SampleId).Chunk(200))
        {
            // One parameter per id: IN with a list expands the same way for both databases.
            var names = chunk.Select((_, n) => $"@p{n}").ToArray();
            var args = new DynamicParameters();
            for (var n = 0; n < chunk.Length; n++)
                args.Add($"p{n}", chunk[n]);
            foreach (var row in await c.QueryAsync<OutputRow>(new CommandDefinition(
                $"SELECT sample_id AS SampleId, output AS Output FROM samples WHERE sample_id IN ({string.Join(", ", names)})", args, cancellationToken: ct)))
                outputs[row.SampleId] = row.Output;
        }
        return chosen.Select(i => new ReportExampleSource(i.SampleId, reviews.ItemIds[i.SampleId], i.Stream,
            i.Verdict switch { ReviewVerdict.Failure => "failure", ReviewVerdict.Ok => "ok", _ => "unsure" },
            i.Category, i.FlaggedBy, outputs.GetValueOrDefault(i.SampleId, ""))).ToList();
    }


    private sealed class TallyRow
    {
        public DateTimeOffset WeekStart { get; set; }
        public string Model { get; set; } = "";
        public string Route { get; set; } = "";
        public string Deployment { get; set; } = "";
        public string Stratum { get; set; } = "";
        public bool Flagged { get; set; }
        public string FlaggedBy { get; set; } = "[]";
        public double InclusionProbability { get; set; }
        public string Verdict { get; set; } = "";
        public long Items { get; set; }
    }

    private sealed class JudgementTallyRow
    {
        public string Reviewer { get; set; } = "";
        public string Reference { get; set; } = "";
        public string Given { get; set; } = "";
        public bool Gold { get; set; }
        public long Judgements { get; set; }
    }

    private sealed class ExampleRow
    {
        public long ItemId { get; set; }
        public string SampleId { get; set; } = "";
        public string Model { get; set; } = "";
        public string Route { get; set; } = "";
        public string Verdict { get; set; } = "";
        public string? Category { get; set; }
    }

    private sealed class CountRow
    {
        public string Model { get; set; } = "";
        public string Route { get; set; } = "";
        public string? Deployment { get; set; }
        public DateTimeOffset Hour { get; set; }
        public long Total { get; set; }
        public long Flagged { get; set; }
        public double Volume { get; set; }
        public double FlaggedVolume { get; set; }
    }

    private sealed class DetectorRow
    {
        public string Model { get; set; } = "";
        public string Route { get; set; } = "";
        public DateTimeOffset Hour { get; set; }
        public string Detector { get; set; } = "";
        public long Flagged { get; set; }
    }

    private sealed class ItemRow
    {
        public long ItemId { get; set; }
        public string SampleId { get; set; } = "";
        public string Model { get; set; } = "";
        public string Route { get; set; } = "";
        public string? Deployment { get; set; }
        public string Stratum { get; set; } = "";
        public double InclusionProbability { get; set; }
        public string State { get; set; } = "";
        public DateTimeOffset OccurredAt { get; set; }
        public bool Flagged { get; set; }
    }

    private sealed class VerdictRow
    {
        public long ItemId { get; set; }
        public string SampleId { get; set; } = "";
        public string Reviewer { get; set; } = "";
        public string Verdict { get; set; } = "";
        public string? Category { get; set; }
    }

    private sealed class FlagRow
    {
        public string SampleId { get; set; } = "";
        public string Detector { get; set; } = "";
    }

    private sealed class OutputRow
    {
        public string SampleId { get; set; } = "";
        public string Output { get; set; } = "";
    }
}

/// <summary>Review items with settled verdicts, their ids, and every verdict that counts (for agreement).</summary>
public sealed record ReviewData(IReadOnlyList<ReviewItem> Items, IReadOnlyDictionary<string, long> ItemIds, IReadOnlyList<ReviewerVerdict> Verdicts);
