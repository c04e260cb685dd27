using Auditor.Server.Pipeline;

namespace Auditor.Server.Tests.Pipeline;

/// <summary>The pure rule behind the "pipeline" readiness check.</summary>
public sealed class PipelineStatusRuleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private static readonly PipelineOptions Options = new() { StallSeconds = 30, FailedBatchesUnhealthy = 5, RejectionSpikeShare = 0.5, RejectionMinSamples = 100 };

    private static PipelineSnapshot At(double seconds, DateTimeOffset? lastCommit = null, long pending = 0, DateTimeOffset? pendingSince = null,
        int failures = 0, long windowSamples = 0, long windowRejected = 0) =>
        new(T0.AddSeconds(seconds), lastCommit, pending, pendingSince, failures, failures > 0 ? "SqliteException: database is locked" : null, windowSamples, windowRejected);

    [Fact]
    public void Is_healthy_when_nothing_waits_however_long_ago_the_last_commit_was()
    {
        var status = PipelineStatusRule.Judge(At(3600, lastCommit: T0), Options);

        Assert.Equal(PipelineState.Healthy, status.State);
        Assert.Empty(status.Findings);
    }

    [Fact]
    public void Is_unhealthy_when_samples_wait_and_nothing_committed_for_the_stall_time()
    {
        var justBefore = PipelineStatusRule.Judge(At(29.9, lastCommit: T0, pending: 10, pendingSince: T0.AddSeconds(-5)), Options);
        var stalled = PipelineStatusRule.Judge(At(30, lastCommit: T0, pending: 10, pendingSince: T0.AddSeconds(-5)), Options);

        Assert.Equal(PipelineState.Healthy, justBefore.State);
        Assert.Equal(PipelineState.Unhealthy, stalled.State);
        Assert.Equal("stalled", Assert.Single(stalled.Findings).Code);
        Assert.Contains("10 samples wait", stalled.Summary);
    }

    [Fact]
    public void Does_not_call_a_sample_that_arrives_after_an_idle_hour_a_stall()
    {
        var status = PipelineStatusRule.Judge(At(3600, lastCommit: T0, pending: 1, pendingSince: T0.AddSeconds(3599)), Options);

        Assert.Equal(PipelineState.Healthy, status.State);
    }

    [Fact]
    public void Counts_a_stall_from_start_when_nothing_ever_committed()
    {
        var status = PipelineStatusRule.Judge(At(31, lastCommit: null, pending: 3, pendingSince: T0), Options);

        Assert.Equal(PipelineState.Unhealthy, status.State);
    }

    [Fact]
    public void Degrades_on_one_failed_batch_and_turns_unhealthy_after_five_in_a_row()
    {
        var one = PipelineStatusRule.Judge(At(1, failures: 1), Options);
        var four = PipelineStatusRule.Judge(At(1, failures: 4), Options);
        var five = PipelineStatusRule.Judge(At(1, failures: 5), Options);

        Assert.Equal(PipelineState.Degraded, one.State);
        Assert.Equal(PipelineState.Degraded, four.State);
        Assert.Equal(PipelineState.Unhealthy, five.State);
        Assert.Contains("database is locked", five.Summary);
    }

    [Fact]
    public void Degrades_when_half_of_the_recent_samples_were_rejected_but_not_on_a_handful()
    {
        var spike = PipelineStatusRule.Judge(At(1, windowSamples: 200, windowRejected: 100), Options);
        var few = PipelineStatusRule.Judge(At(1, windowSamples: 10, windowRejected: 10), Options);
        var normal = PipelineStatusRule.Judge(At(1, windowSamples: 200, windowRejected: 99), Options);

        Assert.Equal(PipelineState.Degraded, spike.State);
        Assert.Equal("rejections", Assert.Single(spike.Findings).Code);
        Assert.Equal(PipelineState.Healthy, few.State);
        Assert.Equal(PipelineState.Healthy, normal.State);
    }

    [Fact]
    public void Reports_every_finding_and_the_worst_state()
    {
        var status = PipelineStatusRule.Judge(At(60, lastCommit: T0, pending: 5, pendingSince: T0, failures: 2, windowSamples: 100, windowRejected: 90), Options);

        Assert.Equal(PipelineState.Unhealthy, status.State);
        Assert.Equal(["stalled", "failing", "rejections"], status.Findings.Select(f => f.Code));
    }
}
