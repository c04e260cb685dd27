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
/// The weekly tallies of review items (migration 0016), kept by the batch writer and by saving and undoing verdicts,
/// give the report exactly what the items read one by one give: every figure of the built report is the same.
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
        Assert.Contains(kept, t => t.Contains(" pending ", StringComparison.Ordinal));
        Assert.Contains(kept, t => t.Contains(" failure ", StringComparison.Ordinal));
        Assert.Contains(kept, t => !t.EndsWith(" 1", StringComparison.Ordinal)); // rows that stand for several items

        await using (var c = await Database.OpenAsync(default))
        await using (var tx = await c.BeginTransactionAsync())
        {
            await c.ExecuteAsync("UPDATE review_items SET settled_verdict = NULL, settled_category = NULL", transaction: tx);
            await ReviewTallies.RebuildAsync(Database, c, tx, default);
            await tx.CommitAsync();
        }

        Assert.Equal(kept, await TalliesAsync());
    }

    // Ids run backwards in time, so the newest samples get the last item ids. Three weeks of samples on two routes and two deployments; a third flagged (empty output), some of them in the
    // uniform draw; a fifth of the items need two reviews. Two reviewers judge most items (ok, failure with categories,
    // unsure), one verdict is undone and given again, and the last items stay pending.
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
        Assert.Equal(AddGoldResult.Added, await new GoldItems(Database, clock).AddAsync(samples[3].SampleId!, Verdicts.Failure, "empty", "admin", default));
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
