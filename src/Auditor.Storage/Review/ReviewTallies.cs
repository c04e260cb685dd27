using System.Data.Common;
using System.Text.Json;
using Auditor.Review.Estimation;
using Auditor.Review.Verdicts;
using Auditor.Storage.Retention;
using Auditor.Storage.Samples;
using Dapper;

namespace Auditor.Storage.Review;

/// <summary>
/// The weekly tallies of review items (migration 0016): items counted per week of the sample's occurrence, stream,
/// deployment, stratum, flag status, flagging detectors, inclusion probability and settled verdict, which is every
/// field the estimators read, so a week's tallies give the report the same figures as its items (ReviewItem.Count).
/// Kept in the transaction that changes them: the batch writer adds new items as pending, and
/// <see cref="ResettleAsync"/> moves an item whose settled verdict (<see cref="SettledVerdict"/>, the one rule) changed
/// from its old row to its new one. <see cref="RebuildAsync"/> builds them from the items themselves (the migration,
/// and seeded data).
/// </summary>
public static class ReviewTallies
{
    /// <summary>The verdict word of an item without a settled verdict (not done, or no standing verdict).</summary>
    public const string Pending = "pending";

    /// <summary>One tally row's key.</summary>
    internal sealed record Key(DateTimeOffset WeekStart, string Model, string Route, string Deployment, string Stratum, bool Flagged, string FlaggedBy,
        double InclusionProbability, string Verdict);

    /// <summary>The stored form of a set of flagging detectors: a JSON array in ordinal order, so one set has one text.</summary>
    internal static string FlaggedByText(IEnumerable<string> detectors) =>
        JsonSerializer.Serialize(detectors.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray());

    internal static IReadOnlyList<string> ParseFlaggedBy(string text) => JsonSerializer.Deserialize<string[]>(text) ?? [];

    internal static string Word(ReviewVerdict? verdict) => verdict switch
    {
        null => Pending,
        ReviewVerdict.Failure => "failure",
        ReviewVerdict.Ok => "ok",
        _ => "unsure",
    };

    internal static ReviewVerdict? ParseWord(string word) => word == Pending ? null : SettledVerdict.Parse(word);

    // Summed per key in memory and written in key order (one lock order for every writer, as the counters are).
    private static readonly RowsInsert Tallies = new("week_review_tallies", """
        ON CONFLICT (week_start, model, route, deployment, stratum, flagged, flagged_by, inclusion_probability, verdict)
        DO UPDATE SET items = week_review_tallies.items + excluded.items
        """);

    /// <summary>Adds each change's delta (+1 for an item entering a row, -1 for one leaving it) in one statement.</summary>
    internal static Task AddAsync(AuditorDatabase database, DbConnection c, DbTransaction tx, IEnumerable<(Key Key, long Delta)> changes, CancellationToken ct)
    {
        var rows = changes.GroupBy(x => x.Key)
            .Select(g => (g.Key, Items: g.Sum(x => x.Delta)))
            .Where(x => x.Items != 0)
            .OrderBy(x => x.Key.WeekStart).ThenBy(x => x.Key.Model, StringComparer.Ordinal).ThenBy(x => x.Key.Route, StringComparer.Ordinal)
            .ThenBy(x => x.Key.Deployment, StringComparer.Ordinal).ThenBy(x => x.Key.Stratum, StringComparer.Ordinal).ThenBy(x => x.Key.Flagged)
            .ThenBy(x => x.Key.FlaggedBy, StringComparer.Ordinal).ThenBy(x => x.Key.InclusionProbability).ThenBy(x => x.Key.Verdict, StringComparer.Ordinal)
            .Select(x => new
            {
                x.Key.WeekStart, x.Key.Model, x.Key.Route, x.Key.Deployment, x.Key.Stratum, x.Key.Flagged, x.Key.FlaggedBy,
                x.Key.InclusionProbability, x.Key.Verdict, x.Items,
            })
            .ToList();
        return Tallies.ExecuteAsync(database, c, tx, rows, ct);
    }

    /// <summary>
    /// Settles the item again after its verdicts or its state changed (a verdict saved or undone), in the caller's
    /// transaction, which must already hold the item's row lock (so two reviewers' verdicts settle one after the other):
    /// stores the settled verdict and category on the item and, when the verdict changed, moves the item between tallies.
    /// The same change may move the item in the reviewer agreement and accuracy tallies too (<see cref="ReviewerTallies"/>),
    /// so this is the one call after any change to an item's verdicts.
    /// </summary>
    internal static async Task ResettleAsync(AuditorDatabase database, DbConnection c, DbTransaction tx, long itemId, CancellationToken ct)
    {
        await SettleAsync(database, c, tx, itemId, ct);
        await ReviewerTallies.ResettleAsync(database, c, tx, itemId, ct);
    }

    private static async Task SettleAsync(AuditorDatabase database, DbConnection c, DbTransaction tx, long itemId, CancellationToken ct)
    {
        var item = await c.QuerySingleOrDefaultAsync<ItemRow>(new CommandDefinition($"""
            SELECT r.item_id AS ItemId, r.sample_id AS SampleId, r.model AS Model, r.route AS Route, r.stratum AS Stratum,
                   r.inclusion_probability AS InclusionProbability, r.state AS State, r.settled_verdict AS SettledVerdict, r.settled_category AS SettledCategory,
                   s.deployment AS Deployment, s.occurred_at AS OccurredAt, s.flagged AS Flagged
            FROM review_items r LEFT JOIN samples s ON s.sample_id = r.sample_id WHERE r.item_id = @itemId
            """, new { itemId }, tx, cancellationToken: ct));
        if (item is null)
            return;
        var verdicts = (await c.QueryAsync<CastRow>(new CommandDefinition(
            "SELECT reviewer AS Reviewer, verdict AS Verdict, category AS Category FROM verdicts WHERE item_id = @itemId AND retracted_at IS NULL ORDER BY verdict_id",
            new { itemId }, tx, cancellationToken: ct))).Select(v => new CastVerdict(v.Reviewer, v.Verdict, v.Category)).ToList();
        var settled = SettledVerdict.Settle(verdicts, item.State == "done");
        var before = item.SettledVerdict ?? Pending;
        var after = Word(settled?.Verdict);
        if (before == after && item.SettledCategory == settled?.Category)
            return;
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE review_items SET settled_verdict = @verdict, settled_category = @category WHERE item_id = @itemId",
            new { itemId, verdict = settled is null ? null : after, category = settled?.Category }, tx, cancellationToken: ct));
        // An item whose sample is gone (retention) is in no report read from items, and was tallied when it was stored.
        if (before == after || item.OccurredAt is not { } occurredAt)
            return;
        var flaggedBy = FlaggedByText(await c.QueryAsync<string>(new CommandDefinition(
            "SELECT detector FROM detector_results WHERE sample_id = @SampleId AND flagged = @yes", new { item.SampleId, yes = true }, tx, cancellationToken: ct)));
        var key = item.KeyOf(occurredAt, flaggedBy, before);
        await AddAsync(database, c, tx, [(key, -1), (key with { Verdict = after }, +1)], ct);
    }

    /// <summary>
    /// Builds every tally, and every item's settled verdict, from the items, their samples, flags and standing verdicts
    /// (in the caller's transaction; the migrator runs it after script 0016). Replaces whatever tallies there were.
    /// </summary>
    public static async Task RebuildAsync(AuditorDatabase database, DbConnection c, DbTransaction tx, CancellationToken ct)
    {
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM week_review_tallies", transaction: tx, cancellationToken: ct));
        var items = (await c.QueryAsync<ItemRow>(new CommandDefinition("""
            SELECT r.item_id AS ItemId, r.sample_id AS SampleId, r.model AS Model, r.route AS Route, r.stratum AS Stratum,
                   r.inclusion_probability AS InclusionProbability, r.state AS State, r.settled_verdict AS SettledVerdict, r.settled_category AS SettledCategory,
                   s.deployment AS Deployment, s.occurred_at AS OccurredAt, s.flagged AS Flagged
            FROM review_items r LEFT JOIN samples s ON s.sample_id = r.sample_id
            """, transaction: tx, cancellationToken: ct, commandTimeout: 0))).ToList();
        var verdicts = (await c.QueryAsync<CastRow>(new CommandDefinition(
            "SELECT item_id AS ItemId, reviewer AS Reviewer, verdict AS Verdict, category AS Category FROM verdicts WHERE retracted_at IS NULL ORDER BY verdict_id",
            transaction: tx, cancellationToken: ct, commandTimeout: 0))).ToLookup(v => v.ItemId);
        var flags = (await c.QueryAsync<(string SampleId, string Detector)>(new CommandDefinition("""
            SELECT d.sample_id, d.detector FROM detector_results d JOIN review_items r ON r.sample_id = d.sample_id WHERE d.flagged = @yes
            """, new { yes = true }, tx, cancellationToken: ct, commandTimeout: 0))).ToLookup(f => f.SampleId, f => f.Detector, StringComparer.Ordinal);

        var changed = new List<(long ItemId, string? Verdict, string? Category)>();
        var tallies = new List<(Key, long)>();
        foreach (var item in items)
        {
            var settled = SettledVerdict.Settle(verdicts[item.ItemId].Select(v => new CastVerdict(v.Reviewer, v.Verdict, v.Category)).ToList(), item.State == "done");
            var word = settled is null ? null : Word(settled.Verdict);
            if (word != item.SettledVerdict || settled?.Category != item.SettledCategory)
                changed.Add((item.ItemId, word, settled?.Category));
            if (item.OccurredAt is { } occurredAt)
                tallies.Add((item.KeyOf(occurredAt, FlaggedByText(flags[item.SampleId]), word ?? Pending), 1));
        }
        await StoreSettledAsync(database, c, tx, changed, ct);
        await AddAsync(database, c, tx, tallies, ct);
    }

    private static async Task StoreSettledAsync(AuditorDatabase database, DbConnection c, DbTransaction tx, List<(long ItemId, string? Verdict, string? Category)> rows, CancellationToken ct)
    {
        if (rows.Count == 0)
            return;
        if (database.Kind == StoreKind.Postgres)
        {
            // One statement for every item (a migration may settle millions).
            await c.ExecuteAsync(new CommandDefinition("""
                UPDATE review_items r SET settled_verdict = u.verdict, settled_category = u.category
                FROM unnest(@ids, @verdicts, @categories) AS u(item_id, verdict, category) WHERE r.item_id = u.item_id
                """, new { ids = rows.Select(r => r.ItemId).ToArray(), verdicts = rows.Select(r => r.Verdict).ToArray(), categories = rows.Select(r => r.Category).ToArray() },
                tx, cancellationToken: ct, commandTimeout: 0));
            return;
        }
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE review_items SET settled_verdict = @Verdict, settled_category = @Category WHERE item_id = @ItemId",
            rows.Select(r => new { r.ItemId, r.Verdict, r.Category }), tx, cancellationToken: ct));
    }

    private sealed class ItemRow
    {
        public long ItemId { get; set; }
        public string SampleId { get; set; } = "";
        public string Model { get; set; } = "";
        public string Route { get; set; } = "";
        public string Stratum { get; set; } = "";
        public double InclusionProbability { get; set; }
        public string State { get; set; } = "";
        public string? SettledVerdict { get; set; }
        public string? SettledCategory { get; set; }
        public string? Deployment { get; set; }
        public DateTimeOffset? OccurredAt { get; set; }
        public bool? Flagged { get; set; }

        public Key KeyOf(DateTimeOffset occurredAt, string flaggedBy, string verdict) =>
            new(TimePartitionedTables.WeekStart(occurredAt), Model, Route, Deployment ?? "", Stratum, Flagged ?? false, flaggedBy, InclusionProbability, verdict);
    }

    private sealed class CastRow
    {
        public long ItemId { get; set; }
        public string Reviewer { get; set; } = "";
        public string Verdict { get; set; } = "";
        public string? Category { get; set; }
    }
}
