using Auditor.Detection;
using Auditor.Review.Reports;
using Auditor.Review.Routing;
using Auditor.Storage.Incidents;
using Auditor.Storage.Reports;
using Auditor.Storage.Review;
using Auditor.Storage.Samples;
using Auditor.Testing;
using Dapper;

namespace Auditor.Storage.Tests;

/// <summary>
/// The weekly tallies of review items (migration 0016) and of reviewer agreement and accuracy (migration 0017), kept by
/// the batch writer, by saving and undoing verdicts and by recording gold verdicts, give the report exactly what the
/// items, verdicts and gold verdicts read one by one give: every figure of the built report is the same.
/// </summary>
public abstract class ReviewTallyContractTests : MigratedDatabaseTest
{
    private static readonly DetectorRegistry Detectors = new(DetectorRegistry.Builtin(), new DefaultDetectorSettings());

    [Fact]
    public async Task A_report_built_from_weekly_tallies_equals_the_report_built_from_items_one_by_one()
    {
        var now = DateTimeOffset.UtcNow;
        var clock = new FixedClock(now);
        await SeedAsync(now, clock);
        var incidents = new IncidentStore(Database, clock);
        var week = IsoWeek.Of(now);

        var fromTallies = await new WeeklyReportLoader(new ReportDataReader(Database), incidents, clock).BuildAsync(week, ReportLinks.Default, default);
        var fromItems = await new WeeklyReportLoader(new ReportDataReader(Database), incidents, clock, readTallies: false).BuildAsync(week, ReportLinks.Default, default);

        var report = fromItems.Report;
        // The seeded data reaches every part of the report that reads review items, so the comparison below covers them.
        Assert.True(report.Streams.Count >= 2 && report.Streams.All(s => s.Coverage.Selected > 0 && s.Coverage.Decisive > 0));
        Assert.Contains(report.Streams, s => s.Coverage.Pending > 0);
        Assert.Contains(report.Streams, s => s.Coverage.Unsure > 0);
        Assert.True(report.Streams.All(s => s.Examples.Any(e => e.Verdict == "failure" && e.Category is not null)));
        Assert.Contains(report.Streams, s => s.Detectors.Any(d => d.Reviewed > 0));
        Assert.True(report.Notes.Agreement.Items > 0, "double reviews reach reviewer agreement");
        Assert.Contains(report.Notes.Reviewers, r => r.Gold > 0);
        Assert.Contains(report.Notes.Reviewers, r => r.Reviewer == "cy" && r.Gold > 0);
        Assert.Contains(report.Notes.Reviewers, r => r.Gold < r.Failures + r.Oks + r.Unsure); // colleagues' references too
        Assert.True(report.Deployments.Count >= 2);
        Assert.True(report.Summary.Weeks.Count(w => w.Reviewed > 0) >= 2, "earlier weeks of the trend have reviews too");
        Assert.Equal(JsonReportRenderer.Render(fromItems.Report), JsonReportRenderer.Render(fromTallies.Report));
    }

    [Fact]
    public async Task Rebuilding_the_tallies_from_the_items_gives_the_tallies_kept_by_the_writer_and_the_verdicts()
    {
        var now = DateTimeOffset.UtcNow;
        await SeedAsync(now, new FixedClock(now));
        var kept = await TalliesAsync();
        var keptReviewers = await ReviewerTalliesAsync();
        Assert.Contains(kept, t => t.Contains(" pending ", StringComparison.Ordinal));
        Assert.Contains(kept, t => t.Contains(" failure ", StringComparison.Ordinal));
        Assert.Contains(kept, t => !t.EndsWith(" 1", StringComparison.Ordinal)); // rows that stand for several items
        Assert.Contains(keptReviewers, t => t.StartsWith("pair ", StringComparison.Ordinal));
        Assert.Contains(keptReviewers, t => t.StartsWith("judgement ", StringComparison.Ordinal) && t.Contains(" True ", StringComparison.Ordinal));
        Assert.Contains(keptReviewers, t => t.StartsWith("item ", StringComparison.Ordinal));

        await using (var c = await Database.OpenAsync(default))
        await using (var tx = await c.BeginTransactionAsync())
        {
            await c.ExecuteAsync("UPDATE review_items SET settled_verdict = NULL, settled_category = NULL, reviewer_tally = NULL", transaction: tx);
            await ReviewTallies.RebuildAsync(Database, c, tx, default);
            await ReviewerTallies.RebuildAsync(Database, c, tx, default);
            await tx.CommitAsync();
        }

        Assert.Equal(kept, await TalliesAsync());
        Assert.Equal(keptReviewers, await ReviewerTalliesAsync());
    }

    [Fact]
    public async Task Migration_0017_counts_the_verdicts_and_gold_verdicts_of_an_existing_database()
    {
        var now = DateTimeOffset.UtcNow;
        await SeedAsync(now, new FixedClock(now));
        var kept = await ReviewerTalliesAsync();
        // The database as it was before 0017: its verdicts and gold verdicts, without the tallies and the column.
        await using (var c = await Database.OpenAsync(default))
        {
            await c.ExecuteAsync("DROP TABLE week_agreement_tallies; DROP TABLE week_accuracy_tallies; ALTER TABLE review_items DROP COLUMN reviewer_tally");
            await c.ExecuteAsync("DELETE FROM schema_migrations WHERE version = '0017_reviewer_tallies'");
        }

        Assert.Contains("0017_reviewer_tallies", await Database.MigrateAsync(default));

        Assert.Equal(kept, await ReviewerTalliesAsync());
    }

    // Ids run backwards in time, so the newest samples get the last item ids. Three weeks of samples on two routes and two deployments; a third flagged (empty output), some of them in the
    // uniform draw; a fifth of the items need two reviews. Two reviewers judge most items (ok, failure with categories,
    // unsure), one verdict is undone and given again, and the last items stay pending. Gold verdicts: one recorded after
    // the item's verdict, one replaced on a double-reviewed item, and one recorded before a third reviewer's verdict, which
    // is then undone and given again otherwise.
    private async Task SeedAsync(DateTimeOffset now, TimeProvider clock)
    {
        var samples = Enumerable.Range(0, 300).Select(i => TestSamples.Valid(id: $"tally-{299 - i:D3}", output: i % 3 == 0 ? "" : $"A fine answer number {i}.") with
        {
            OccurredAt = now.AddHours(-i * 1.5),
            Route = i % 2 == 0 ? "chat/answer" : "chat/summary",
            Deployment = i % 5 == 0 ? "h100-fp8" : null,
        }).ToList();
        var audited = samples.Select((s, i) =>
        {
            var inspection = Detectors.Inspect(s);
            var routing = inspection.Flagged
                ? new RoutingDecision(i % 4 == 0 ? ReviewStratum.Uniform : ReviewStratum.Flagged, i % 4 == 0 ? 0.5 : 1.0, i % 5 == 1 ? 2 : 1)
                : new RoutingDecision(i % 2 == 0 || i % 7 == 0 ? ReviewStratum.Uniform : null, 0.5, i % 5 == 1 ? 2 : 1);
            return new AuditedSample(s, inspection, routing);
        }).ToList();
        Assert.Contains(audited, a => a.Inspection.Flagged);
        var writer = new SampleBatchWriter(Database, clock);
        foreach (var batch in audited.Chunk(80).Reverse())
            await writer.CommitAsync(batch, [], default);

        var queue = new ReviewQueue(Database, clock);
        var lease = TimeSpan.FromMinutes(10);
        long items;
        await using (var c = await Database.OpenAsync(default))
            items = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM review_items");
        // Claims go oldest item first and the newest week's items were stored last: ann judges all but the last few
        // (they stay pending); bob then gives second reviews, and stops at the first item that needs only one.
        var judged = 0;
        while (judged < items - 8 && await queue.ClaimAsync("ann", lease, null, null, default) is { } item)
            await JudgeAsync(queue, item, "ann", judged++);
        while (await queue.ClaimAsync("bob", lease, null, null, default) is { } item)
        {
            if (item.ReviewsRequired == 1)
            {
                await queue.ReleaseAsync(item.ItemId, "bob", default);
                break;
            }
            await JudgeAsync(queue, item, "bob", judged++);
        }
        var undone = await queue.UndoLastVerdictAsync("bob", TimeSpan.FromHours(1), lease, default);
        Assert.NotNull(undone);
        Assert.Equal(SaveVerdictResult.Saved, await queue.SaveVerdictAsync(undone!.Value, "bob", Verdicts.Failure, "truncation", null, blindUniform: true, default));
        var gold = new GoldItems(Database, clock);
        Assert.Equal(AddGoldResult.Added, await gold.AddAsync(samples[3].SampleId!, Verdicts.Failure, "empty", "admin", default));

        // A double-reviewed sample of the reported week gets a gold verdict, then another one.
        string doubleReviewed;
        await using (var c = await Database.OpenAsync(default))
            doubleReviewed = await c.ExecuteScalarAsync<string>("""
                SELECT MAX(sample_id) FROM verdicts WHERE retracted_at IS NULL GROUP BY item_id HAVING COUNT(*) > 1 ORDER BY MAX(sample_id) DESC LIMIT 1
                """) ?? throw new InvalidOperationException("no double-reviewed sample");
        Assert.Equal(AddGoldResult.Added, await gold.AddAsync(doubleReviewed, Verdicts.Ok, null, "admin", default));
        Assert.Equal(AddGoldResult.Replaced, await gold.AddAsync(doubleReviewed, Verdicts.Failure, "truncation", "admin", default));

        // A third reviewer meets a gold item (its gold verdict recorded before any verdict), calls it ok, takes that back
        // and calls it a failure.
        var cyItem = await queue.ClaimAsync("cy", lease, null, null, default);
        Assert.NotNull(cyItem);
        Assert.Equal(AddGoldResult.Added, await gold.AddAsync(cyItem!.SampleId, Verdicts.Failure, "empty", "admin", default));
        Assert.Equal(SaveVerdictResult.Saved, await queue.SaveVerdictAsync(cyItem.ItemId, "cy", Verdicts.Ok, null, null, blindUniform: true, default));
        Assert.Equal(cyItem.ItemId, await queue.UndoLastVerdictAsync("cy", TimeSpan.FromHours(1), lease, default));
        Assert.Equal(SaveVerdictResult.Saved, await queue.SaveVerdictAsync(cyItem.ItemId, "cy", Verdicts.Failure, "empty", null, blindUniform: true, default));

        // Ann takes back her latest verdict and gives the opposite one.
        var annUndone = await queue.UndoLastVerdictAsync("ann", TimeSpan.FromHours(1), lease, default);
        Assert.NotNull(annUndone);
        string annHadGiven;
        await using (var c = await Database.OpenAsync(default))
            annHadGiven = await c.ExecuteScalarAsync<string>("SELECT verdict FROM verdicts WHERE item_id = @id AND reviewer = 'ann' ORDER BY verdict_id DESC LIMIT 1", new { id = annUndone!.Value }) ?? "";
        var annGave = annHadGiven == Verdicts.Ok ? Verdicts.Failure : Verdicts.Ok;
        Assert.Equal(SaveVerdictResult.Saved, await queue.SaveVerdictAsync(annUndone.Value, "ann", annGave, annGave == Verdicts.Failure ? "empty" : null, null, blindUniform: true, default));
    }

    private static async Task JudgeAsync(ReviewQueue queue, ClaimedItem item, string reviewer, int n)
    {
        (string Verdict, string? Category) given = ((item.ItemId + n) % 6) switch
        {
            0 => (Verdicts.Failure, "degeneration"),
            1 => (Verdicts.Failure, "empty"),
            2 => (Verdicts.Unsure, null),
            _ => (Verdicts.Ok, null),
        };
        Assert.Equal(SaveVerdictResult.Saved, await queue.SaveVerdictAsync(item.ItemId, reviewer, given.Verdict, given.Category, null, blindUniform: true, default));
    }

    private async Task<List<string>> TalliesAsync()
    {
        await using var c = await Database.OpenAsync(default);
        return (await c.QueryAsync<(DateTimeOffset, string, string, string, string, bool, string, double, string, long)>("""
            SELECT week_start, model, route, deployment, stratum, flagged, flagged_by, inclusion_probability, verdict, items
            FROM week_review_tallies WHERE items <> 0
            """)).Select(t => $"{t.Item1:O} {t.Item2} {t.Item3} {t.Item4} {t.Item5} {t.Item6} {t.Item7} {t.Item8:R} {t.Item9} {t.Item10}")
            .Order(StringComparer.Ordinal).ToList();
    }

    // The agreement and accuracy tallies, and what each item is counted as.
    private async Task<List<string>> ReviewerTalliesAsync()
    {
        await using var c = await Database.OpenAsync(default);
        var pairs = (await c.QueryAsync<(DateTimeOffset, string, string, string, string, long)>(
            "SELECT week_start, reviewer_a, reviewer_b, verdict_a, verdict_b, pairs FROM week_agreement_tallies WHERE pairs <> 0"))
            .Select(t => $"pair {t.Item1:O} {t.Item2} {t.Item3} {t.Item4} {t.Item5} {t.Item6}");
        var judgements = (await c.QueryAsync<(DateTimeOffset, string, string, string, bool, long)>(
            "SELECT week_start, reviewer, reference, given, gold, judgements FROM week_accuracy_tallies WHERE judgements <> 0"))
            .Select(t => $"judgement {t.Item1:O} {t.Item2} {t.Item3} {t.Item4} {t.Item5} {t.Item6}");
        var items = (await c.QueryAsync<(long, string)>("SELECT item_id, reviewer_tally FROM review_items WHERE reviewer_tally IS NOT NULL"))
            .Select(t => $"item {t.Item1} {t.Item2}");
        return pairs.Concat(judgements).Concat(items).Order(StringComparer.Ordinal).ToList();
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

public sealed class SqliteReviewTallyTests : ReviewTallyContractTests
{
    protected override StoreKind Kind => StoreKind.Sqlite;
}

public sealed class PostgresReviewTallyTests : ReviewTallyContractTests
{
    protected override StoreKind Kind => StoreKind.Postgres;
}
