using Auditor.Contracts;
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
        Assert.Equal(1, Assert.Single(await Queue.SummaryAsync(default)).AwaitingSecond);
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

    private async Task<OutputSample> AddAsync(ReviewStratum stratum, string model, string deployment, DateTimeOffset occurredAt)
    {
        var sample = TestSamples.Valid() with { Model = model, Deployment = deployment, OccurredAt = occurredAt };
        await new SampleBatchWriter(Database, _clock).CommitAsync(
            [new AuditedSample(sample, Detectors.Inspect(sample), new RoutingDecision(stratum, stratum == ReviewStratum.Uniform ? 0.02 : 1.0))], [], default);
        _clock.Advance(TimeSpan.FromSeconds(1));
        return sample;
    }

    [Fact]
    public async Task A_scope_keeps_claims_to_its_stratum_and_deployment_and_counts_what_is_left()
    {
        var now = _clock.GetUtcNow();
        await AddAsync(ReviewStratum.Uniform, "m", "d1", now);
        var wanted = await AddAsync(ReviewStratum.Flagged, "m", "d1", now);
        await AddAsync(ReviewStratum.Flagged, "m", "d2", now);
        var scope = new ReviewScope(Model: "m", Stratum: "flagged", Deployment: "d1");

        var before = await Queue.ProgressAsync("ana", scope, default);
        var claim = await Queue.ClaimInScopeAsync("ana", Lease, scope, default);
        await Queue.SaveVerdictAsync(claim.Item!.ItemId, "ana", Verdicts.Ok, null, null, true, default);

        Assert.Equal(new ScopeProgress(1, 1, 0), before);
        Assert.Equal(wanted.SampleId, claim.Item.SampleId);
        Assert.Null((await Queue.ClaimInScopeAsync("ana", Lease, scope, default)).Item);
        Assert.Equal(new ScopeProgress(0, 1, 0), await Queue.ProgressAsync("ana", scope, default));
        // Blindness is decided from the stored stratum: a flagged item is never judged blind.
        Assert.False(Assert.Single(await Queue.VerdictsAsync(claim.Item.ItemId, default)).Blind);
    }

    [Fact]
    public async Task Flagged_items_of_an_open_incident_come_first_and_skipped_items_last()
    {
        var now = _clock.GetUtcNow();
        var calm = await AddAsync(ReviewStratum.Flagged, "calm", "d1", now.AddMinutes(-50));
        var uniformInIncident = await AddAsync(ReviewStratum.Uniform, "loop", "v2", now.AddMinutes(-5));
        var beforeOnset = await AddAsync(ReviewStratum.Flagged, "loop", "v1", now.AddMinutes(-40));
        var looping = await AddAsync(ReviewStratum.Flagged, "loop", "v2", now.AddMinutes(-5));
        var opened = await new Auditor.Storage.Incidents.IncidentRecorder(Database, _clock, new Auditor.Storage.Incidents.AlertSettings(false, null))
            .OpenFromDriftAsync(new Auditor.Review.Estimation.StreamKey("loop", looping.Route!), now.AddMinutes(-20), now, "loops", default);

        var inIncident = await Queue.ProgressAsync("ana", new ReviewScope(IncidentId: opened.Incident.IncidentId), default);
        var order = new List<string>();
        var first = await Queue.ClaimInScopeAsync("ana", Lease, ReviewScope.All, default);
        Assert.True(await Queue.SkipAsync(first.Item!.ItemId, "ana", default));
        order.Add(first.Item.SampleId);
        while ((await Queue.ClaimInScopeAsync("ana", Lease, ReviewScope.All, default)).Item is { } item)
        {
            order.Add(item.SampleId);
            await Queue.SaveVerdictAsync(item.ItemId, "ana", Verdicts.Ok, null, null, true, default);
        }

        Assert.Equal(2, inIncident.Total); // the looping flagged item and the uniform one since onset; not the one before it
        Assert.Equal(looping.SampleId, order[0]);
        // Then the oldest first, uniform items in their place; the skipped incident item last.
        Assert.Equal([looping.SampleId!, calm.SampleId!, uniformInIncident.SampleId!, beforeOnset.SampleId!, looping.SampleId!], order);
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
