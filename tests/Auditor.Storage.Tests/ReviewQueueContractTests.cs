using Auditor.Detection;
using Auditor.Review.Routing;
using Auditor.Storage.Review;
using Auditor.Storage.Samples;
using Auditor.Testing;

namespace Auditor.Storage.Tests;

/// <summary>The review queue's guarantees, on both databases.</summary>
public abstract class ReviewQueueContractTests : MigratedDatabaseTest
{
    private static readonly DetectorRegistry Detectors = new(DetectorRegistry.Builtin(), new DefaultDetectorSettings());
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    private readonly MovableClock _clock = new(DateTimeOffset.UtcNow);
    private ReviewQueue Queue => new(Database, _clock);

    private async Task<List<string>> AddItemsAsync(int n, int reviewsRequired = 1)
    {
        var samples = Enumerable.Range(0, n).Select(_ => TestSamples.Valid()).ToList();
        await new SampleBatchWriter(Database, _clock).CommitAsync(
            samples.Select(s => new AuditedSample(s, Detectors.Inspect(s), new RoutingDecision(ReviewStratum.Uniform, 0.02, reviewsRequired))).ToList(), [], default);
        return samples.Select(s => s.SampleId!).ToList();
    }

    [Fact]
    public async Task Two_concurrent_reviewers_never_claim_the_same_item()
    {
        await AddItemsAsync(40);

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(r => Task.Run(async () =>
        {
            var mine = new List<long>();
            for (var i = 0; i < 5; i++)
            {
                var item = await Queue.ClaimAsync($"reviewer-{r}", Lease, null, null, default);
                Assert.NotNull(item);
                mine.Add(item.ItemId);
                Assert.Equal(SaveVerdictResult.Saved, await Queue.SaveVerdictAsync(item.ItemId, $"reviewer-{r}", Verdicts.Ok, null, null, true, default));
            }
            return mine;
        })));

        var all = claims.SelectMany(c => c).ToList();
        Assert.Equal(40, all.Count);
        Assert.Equal(40, all.Distinct().Count());
        Assert.Null(await Queue.ClaimAsync("late", Lease, null, null, default));
    }

    [Fact]
    public async Task A_reviewer_gets_back_the_item_they_hold_until_they_decide()
    {
        await AddItemsAsync(3);

        var first = await Queue.ClaimAsync("ana", Lease, null, null, default);
        var again = await Queue.ClaimAsync("ana", Lease, null, null, default);

        Assert.Equal(first!.ItemId, again!.ItemId);
    }

    [Fact]
    public async Task An_expired_lease_returns_the_item_to_the_queue()
    {
        await AddItemsAsync(1);
        var held = await Queue.ClaimAsync("ana", Lease, null, null, default);
        Assert.Null(await Queue.ClaimAsync("ben", Lease, null, null, default));

        _clock.Advance(Lease + TimeSpan.FromSeconds(1));
        var taken = await Queue.ClaimAsync("ben", Lease, null, null, default);

        Assert.Equal(held!.ItemId, taken!.ItemId);
        Assert.Equal(SaveVerdictResult.NotClaimedByYou, await Queue.SaveVerdictAsync(held.ItemId, "ana", Verdicts.Ok, null, null, true, default));
        Assert.Equal(SaveVerdictResult.Saved, await Queue.SaveVerdictAsync(held.ItemId, "ben", Verdicts.Ok, null, null, true, default));
    }

    [Fact]
    public async Task An_item_for_double_review_goes_to_a_second_different_reviewer()
    {
        await AddItemsAsync(1, reviewsRequired: 2);
        var item = await Queue.ClaimAsync("ana", Lease, null, null, default);
        await Queue.SaveVerdictAsync(item!.ItemId, "ana", Verdicts.Failure, "degeneration", "loops at the end", true, default);

        Assert.Null(await Queue.ClaimAsync("ana", Lease, null, null, default));
        var second = await Queue.ClaimAsync("ben", Lease, null, null, default);
        Assert.Equal(item.ItemId, second!.ItemId);
        await Queue.SaveVerdictAsync(second.ItemId, "ben", Verdicts.Ok, null, null, true, default);

        var verdicts = await Queue.VerdictsAsync(item.ItemId, default);
        Assert.Equal(["ana", "ben"], verdicts.Select(v => v.Reviewer));
        Assert.Null(await Queue.ClaimAsync("cleo", Lease, null, null, default));
    }

    [Fact]
    public async Task Undo_takes_back_the_last_verdict_and_hands_the_item_back()
    {
        await AddItemsAsync(2);
        var item = await Queue.ClaimAsync("ana", Lease, null, null, default);
        await Queue.SaveVerdictAsync(item!.ItemId, "ana", Verdicts.Ok, null, null, true, default);

        var undone = await Queue.UndoLastVerdictAsync("ana", TimeSpan.FromMinutes(30), Lease, default);

        Assert.Equal(item.ItemId, undone);
        Assert.Empty(await Queue.VerdictsAsync(item.ItemId, default));
        Assert.Equal(item.ItemId, (await Queue.ClaimAsync("ana", Lease, null, null, default))!.ItemId);
        Assert.Equal(SaveVerdictResult.Saved, await Queue.SaveVerdictAsync(item.ItemId, "ana", Verdicts.Failure, "truncation", null, true, default));
        Assert.Equal("failure", Assert.Single(await Queue.VerdictsAsync(item.ItemId, default)).Verdict);
    }

    [Fact]
    public async Task Claims_only_from_the_chosen_stream()
    {
        await AddItemsAsync(2);

        Assert.Null(await Queue.ClaimAsync("ana", Lease, "other-model", null, default));
        Assert.NotNull(await Queue.ClaimAsync("ana", Lease, TestSamples.Valid().Model, TestSamples.Valid().Route, default));
    }

    [Fact]
    public async Task Summarizes_waiting_claimed_and_done_items_per_stream_and_stratum()
    {
        await AddItemsAsync(3);
        var item = await Queue.ClaimAsync("ana", Lease, null, null, default);
        await Queue.SaveVerdictAsync(item!.ItemId, "ana", Verdicts.Unsure, null, null, true, default);
        await Queue.ClaimAsync("ana", Lease, null, null, default);

        var cell = Assert.Single(await Queue.SummaryAsync(default));

        Assert.Equal(("uniform", 1L, 1L, 1L), (cell.Stratum, cell.Waiting, cell.Claimed, cell.Done));
        Assert.Equal(1, await Queue.VerdictCountAsync("ana", _clock.GetUtcNow().AddHours(-1), default));
    }

    [Theory]
    [InlineData("failure", null)]
    [InlineData("failure", "boring")]
    [InlineData("ok", "degeneration")]
    [InlineData("great", null)]
    public void Refuses_a_verdict_that_makes_no_sense(string verdict, string? category)
    {
        Assert.NotNull(Verdicts.Problem(verdict, category));
    }
}

/// <summary>A clock the test moves by hand.</summary>
public sealed class MovableClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

public sealed class SqliteReviewQueueTests : ReviewQueueContractTests
{
    protected override StoreKind Kind => StoreKind.Sqlite;
}

public sealed class PostgresReviewQueueTests : ReviewQueueContractTests
{
    protected override StoreKind Kind => StoreKind.Postgres;
}
