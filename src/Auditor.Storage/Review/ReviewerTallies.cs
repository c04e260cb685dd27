using System.Data.Common;
using System.Text.Json;
using Auditor.Review.Estimation;
using Auditor.Review.Reviewers;
using Auditor.Review.Verdicts;
using Auditor.Storage.Retention;
using Auditor.Storage.Samples;
using Dapper;

namespace Auditor.Storage.Review;

/// <summary>
/// The weekly tallies of what reviewed samples give reviewer agreement and accuracy (migration 0017): per week of the
/// sample's occurrence, the rated pairs of two reviewers' standing verdicts (<see cref="ReviewerAgreementEstimator.PairsOf"/>)
/// and each verdict beside its reference, gold or the colleagues' settled verdict (<see cref="ReviewerAccuracyEstimator.FromItems"/>),
/// the same rules the report applies to verdicts read one by one. Each item keeps what it is counted as
/// (<c>review_items.reviewer_tally</c>), so <see cref="ResettleAsync"/> moves it from its old rows to its new ones when its
/// verdicts or its gold verdict change, in that transaction. A new item has no verdict, so the batch writer adds nothing here.
/// </summary>
public static class ReviewerTallies
{
    /// <summary>What one item is counted as: its rated pairs and its judgements, as stored words.</summary>
    internal sealed record ItemTally(IReadOnlyList<PairEntry> Pairs, IReadOnlyList<JudgementEntry> Judgements)
    {
        public bool IsEmpty => Pairs.Count == 0 && Judgements.Count == 0;
    }

    internal sealed record PairEntry(string ReviewerA, string ReviewerB, string VerdictA, string VerdictB);

    internal sealed record JudgementEntry(string Reviewer, string Reference, string Given, bool Gold);

    private static readonly ItemTally Nothing = new([], []);

    /// <summary>
    /// What a sample's standing verdicts (in the order given) and its gold verdict give agreement and accuracy: the
    /// estimators' own per-sample rules, so a tally row counts exactly what the report would count from the verdicts.
    /// </summary>
    internal static ItemTally Of(IReadOnlyList<CastVerdict> verdicts, ReviewVerdict? gold)
    {
        if (verdicts.Count == 0)
            return Nothing;
        var pairs = ReviewerAgreementEstimator.PairsOf(verdicts.Select(v => new ReviewerVerdict("", v.Reviewer, SettledVerdict.Parse(v.Verdict))))
            .Select(p => new PairEntry(p.ReviewerA, p.ReviewerB, Word(p.A), Word(p.B))).ToList();
        // The report hands the accuracy estimator verdicts without categories; the reference is settled from words only.
        var casts = verdicts.Select(v => new CastVerdict(v.Reviewer, Word(SettledVerdict.Parse(v.Verdict)), null)).ToList();
        var judgements = ReviewerAccuracyEstimator.FromItems([(casts, gold)])
            .Select(j => new JudgementEntry(j.Reviewer, Word(j.Reference), Word(j.Given), j.Gold)).ToList();
        return new ItemTally(pairs, judgements);
    }

    private static string Word(ReviewVerdict verdict) => ReviewTallies.Word(verdict);

    // NULL for an item counted nowhere (most items: one verdict, no gold), so the column costs nothing for them.
    internal static string? Text(ItemTally tally) => tally.IsEmpty ? null : JsonSerializer.Serialize(tally);

    internal static ItemTally Parse(string? text) => text is null ? Nothing : JsonSerializer.Deserialize<ItemTally>(text) ?? Nothing;

    // Summed per key in memory and written in key order (one lock order for every writer, as the other tallies are).
    private static readonly RowsInsert AgreementRows = new("week_agreement_tallies", """
        ON CONFLICT (week_start, reviewer_a, reviewer_b, verdict_a, verdict_b) DO UPDATE SET pairs = week_agreement_tallies.pairs + excluded.pairs
        """);

    private static readonly RowsInsert AccuracyRows = new("week_accuracy_tallies", """
        ON CONFLICT (week_start, reviewer, reference, given, gold) DO UPDATE SET judgements = week_accuracy_tallies.judgements + excluded.judgements
        """);

    /// <summary>Adds each item tally's entries to its week's rows with the delta given (+1 entering, -1 leaving), one statement per table.</summary>
    private static async Task AddAsync(AuditorDatabase database, DbConnection c, DbTransaction tx, IEnumerable<(DateTimeOffset WeekStart, ItemTally Tally, long Delta)> changes, CancellationToken ct)
    {
        var list = changes.ToList();
        var pairs = list.SelectMany(x => x.Tally.Pairs.Select(p => (Key: (x.WeekStart, p.ReviewerA, p.ReviewerB, p.VerdictA, p.VerdictB), x.Delta)))
            .GroupBy(x => x.Key).Select(g => (g.Key, Pairs: g.Sum(x => x.Delta))).Where(x => x.Pairs != 0)
            .OrderBy(x => x.Key.WeekStart).ThenBy(x => x.Key.ReviewerA, StringComparer.Ordinal).ThenBy(x => x.Key.ReviewerB, StringComparer.Ordinal)
            .ThenBy(x => x.Key.VerdictA, StringComparer.Ordinal).ThenBy(x => x.Key.VerdictB, StringComparer.Ordinal)
            .Select(x => new { x.Key.WeekStart, x.Key.ReviewerA, x.Key.ReviewerB, x.Key.VerdictA, x.Key.VerdictB, x.Pairs })
            .ToList();
        var judgements = list.SelectMany(x => x.Tally.Judgements.Select(j => (Key: (x.WeekStart, j.Reviewer, j.Reference, j.Given, j.Gold), x.Delta)))
            .GroupBy(x => x.Key).Select(g => (g.Key, Judgements: g.Sum(x => x.Delta))).Where(x => x.Judgements != 0)
            .OrderBy(x => x.Key.WeekStart).ThenBy(x => x.Key.Reviewer, StringComparer.Ordinal).ThenBy(x => x.Key.Reference, StringComparer.Ordinal)
            .ThenBy(x => x.Key.Given, StringComparer.Ordinal).ThenBy(x => x.Key.Gold)
            .Select(x => new { x.Key.WeekStart, x.Key.Reviewer, x.Key.Reference, x.Key.Given, x.Key.Gold, x.Judgements })
            .ToList();
        await AgreementRows.ExecuteAsync(database, c, tx, pairs, ct);
        await AccuracyRows.ExecuteAsync(database, c, tx, judgements, ct);
    }

    /// <summary>
    /// Counts the item again after its standing verdicts or its sample's gold verdict changed, in the caller's transaction,
    /// which must already hold the item's row lock (so two changes to one item count one after the other): stores what
    /// it is counted as and moves it between rows when that changed.
    /// </summary>
    internal static async Task ResettleAsync(AuditorDatabase database, DbConnection c, DbTransaction tx, long itemId, CancellationToken ct)
    {
        var item = await c.QuerySingleOrDefaultAsync<ItemRow>(new CommandDefinition(
            $"{ItemsSelect} WHERE r.item_id = @itemId", new { itemId }, tx, cancellationToken: ct));
        if (item is null)
            return;
        var verdicts = (await c.QueryAsync<CastRow>(new CommandDefinition(
            "SELECT reviewer AS Reviewer, verdict AS Verdict FROM verdicts WHERE item_id = @itemId AND retracted_at IS NULL ORDER BY verdict_id",
            new { itemId }, tx, cancellationToken: ct))).Select(v => v.Cast).ToList();
        var after = Of(verdicts, item.GoldVerdict);
        var text = Text(after);
        if (text == item.Tally)
            return;
        await c.ExecuteAsync(new CommandDefinition("UPDATE review_items SET reviewer_tally = @text WHERE item_id = @itemId",
            new { itemId, text }, tx, cancellationToken: ct));
        // An item whose sample is gone (retention) is in no report read from verdicts; its rows stay as they were counted.
        if (item.OccurredAt is not { } occurredAt)
            return;
        var week = TimePartitionedTables.WeekStart(occurredAt);
        await AddAsync(database, c, tx, [(week, Parse(item.Tally), -1), (week, after, +1)], ct);
    }

    /// <summary>Counts again every item of a sample (after its gold verdict changed), locking each item as a verdict save does.</summary>
    internal static async Task ResettleSampleAsync(AuditorDatabase database, DbConnection c, DbTransaction tx, string sampleId, CancellationToken ct)
    {
        var items = await c.QueryAsync<long>(new CommandDefinition(
            $"SELECT item_id FROM review_items WHERE sample_id = @sampleId ORDER BY item_id {database.ForUpdate}", new { sampleId }, tx, cancellationToken: ct));
        foreach (var itemId in items.ToList())
            await ResettleAsync(database, c, tx, itemId, ct);
    }

    /// <summary>
    /// Builds every agreement and accuracy tally, and what every item is counted as, from the standing verdicts and gold
    /// items (in the caller's transaction; the migrator runs it after script 0017). Replaces whatever tallies there were.
    /// </summary>
    public static async Task RebuildAsync(AuditorDatabase database, DbConnection c, DbTransaction tx, CancellationToken ct)
    {
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM week_agreement_tallies", transaction: tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM week_accuracy_tallies", transaction: tx, cancellationToken: ct));
        // Only items with a standing verdict can be counted anywhere; the others keep (or get back) NULL.
        var items = (await c.QueryAsync<ItemRow>(new CommandDefinition($"""
            {ItemsSelect}
            WHERE r.reviewer_tally IS NOT NULL OR EXISTS (SELECT 1 FROM verdicts v WHERE v.item_id = r.item_id AND v.retracted_at IS NULL)
            """, transaction: tx, cancellationToken: ct, commandTimeout: 0))).ToList();
        var verdicts = (await c.QueryAsync<CastRow>(new CommandDefinition(
            "SELECT item_id AS ItemId, reviewer AS Reviewer, verdict AS Verdict FROM verdicts WHERE retracted_at IS NULL ORDER BY verdict_id",
            transaction: tx, cancellationToken: ct, commandTimeout: 0))).ToLookup(v => v.ItemId);

        var changed = new List<(long ItemId, string? Text)>();
        var tallies = new List<(DateTimeOffset, ItemTally, long)>();
        foreach (var item in items)
        {
            var tally = Of(verdicts[item.ItemId].Select(v => v.Cast).ToList(), item.GoldVerdict);
            var text = Text(tally);
            if (text != item.Tally)
                changed.Add((item.ItemId, text));
            if (item.OccurredAt is { } occurredAt && !tally.IsEmpty)
                tallies.Add((TimePartitionedTables.WeekStart(occurredAt), tally, 1));
        }
        await StoreTextsAsync(database, c, tx, changed, ct);
        await AddAsync(database, c, tx, tallies, ct);
    }

    private static async Task StoreTextsAsync(AuditorDatabase database, DbConnection c, DbTransaction tx, List<(long ItemId, string? Text)> rows, CancellationToken ct)
    {
        if (rows.Count == 0)
            return;
        if (database.Kind == StoreKind.Postgres)
        {
            // One statement for every item (a migration may count hundreds of thousands).
            await c.ExecuteAsync(new CommandDefinition("""
                UPDATE review_items r SET reviewer_tally = u.tally FROM unnest(@ids, @tallies) AS u(item_id, tally) WHERE r.item_id = u.item_id
                """, new { ids = rows.Select(r => r.ItemId).ToArray(), tallies = rows.Select(r => r.Text).ToArray() }, tx, cancellationToken: ct, commandTimeout: 0));
            return;
        }
        await c.ExecuteAsync(new CommandDefinition("UPDATE review_items SET reviewer_tally = @Text WHERE item_id = @ItemId",
            rows.Select(x => new { x.ItemId, x.Text }), tx, cancellationToken: ct));
    }

    // An item with what it is counted as now, its sample's occurrence (null once retention dropped the sample) and the
    // sample's gold verdict: what both counting it again and the rebuild read, each with its own WHERE.
    private const string ItemsSelect = """
        SELECT r.item_id AS ItemId, r.reviewer_tally AS Tally, s.occurred_at AS OccurredAt, g.verdict AS Gold
        FROM review_items r LEFT JOIN samples s ON s.sample_id = r.sample_id LEFT JOIN gold_items g ON g.sample_id = r.sample_id
        """;

    private sealed class ItemRow
    {
        public long ItemId { get; set; }
        public string? Tally { get; set; }
        public DateTimeOffset? OccurredAt { get; set; }
        public string? Gold { get; set; }

        public ReviewVerdict? GoldVerdict => Gold is null ? null : SettledVerdict.Parse(Gold);
    }

    private sealed class CastRow
    {
        public long ItemId { get; set; }
        public string Reviewer { get; set; } = "";
        public string Verdict { get; set; } = "";

        public CastVerdict Cast => new(Reviewer, Verdict, null);
    }
    /// <summary>
    /// The rated pairs of the agreement tallies summed over their weeks: those in [<paramref name="weeks"/>.From,
    /// <paramref name="weeks"/>.To) (whole weeks), or all of them when null. The estimator gives the same figures from
    /// them as from every standing verdict read one by one; the read follows reviewer pairs x verdicts, not verdicts.
    /// </summary>
    internal static async Task<IReadOnlyList<RatedPair>> SummedPairsAsync(DbConnection c, (DateTimeOffset From, DateTimeOffset To)? weeks, CancellationToken ct)
    {
        var within = weeks is null ? "" : "WHERE week_start >= @From AND week_start < @To";
        var rows = await c.QueryAsync<PairTallyRow>(new CommandDefinition($"""
            SELECT reviewer_a AS ReviewerA, reviewer_b AS ReviewerB, verdict_a AS VerdictA, verdict_b AS VerdictB, SUM(pairs) AS Pairs
            FROM week_agreement_tallies {within}
            GROUP BY reviewer_a, reviewer_b, verdict_a, verdict_b HAVING SUM(pairs) > 0
            """, weeks is { } w ? new { w.From, w.To } : null, cancellationToken: ct));
        return rows.Select(p => new RatedPair(p.ReviewerA, p.ReviewerB, SettledVerdict.Parse(p.VerdictA), SettledVerdict.Parse(p.VerdictB), checked((int)p.Pairs))).ToList();
    }

    private sealed class PairTallyRow
    {
        public string ReviewerA { get; set; } = "";
        public string ReviewerB { get; set; } = "";
        public string VerdictA { get; set; } = "";
        public string VerdictB { get; set; } = "";
        public long Pairs { get; set; }
    }
}
