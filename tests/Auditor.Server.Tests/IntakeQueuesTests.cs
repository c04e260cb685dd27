using System.Diagnostics.Metrics;
using Auditor.Server.Auditing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Auditor.Server.Tests;

/// <summary>
/// What readiness and /metrics say about the intake queues as the topology job read them. (Through the broker the job
/// drains every leftover it can attach to, so a queue nobody can consume is set up here from a reading.)
/// </summary>
public sealed class IntakeQueuesTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly IntakeQueues _queues;

    public IntakeQueuesTests()
    {
        _queues = new IntakeQueues();
        _ = new Auditor.Server.Pipeline.PipelineMetrics(_services.GetRequiredService<IMeterFactory>(), _queues); // its gauges read the queues
    }

    public void Dispose() => _services.Dispose();

    private async Task<HealthCheckResult> CheckAsync() => await new IntakeQueuesHealthCheck(_queues).CheckHealthAsync(new HealthCheckContext());

    [Fact]
    public async Task A_queue_holding_samples_with_no_consumer_makes_readiness_degraded_and_is_named()
    {
        _queues.Observed([
            new IntakeQueue("auditor.samples", Leftover: false, Ready: 0, Consumers: 2, DrainingHere: false),
            new IntakeQueue("auditor.samples.shard-0", Leftover: false, Ready: 10, Consumers: 2, DrainingHere: false),
            new IntakeQueue("auditor.samples.shard-3", Leftover: true, Ready: 1234, Consumers: 0, DrainingHere: false),
        ], At);

        var result = await CheckAsync();

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Contains("auditor.samples.shard-3 holds 1234 (left over from another shard count)", result.Description, StringComparison.Ordinal);
        Assert.Equal(["auditor.samples.shard-3"], (string[])result.Data["unconsumed"]);
        Assert.Equal(1, Gauge("auditor.intake.unconsumed.queues").Single().Value);
        Assert.Equal(("auditor.samples.shard-3", 1234L), Gauge("auditor.intake.leftover.ready").Select(m => (m.Queue!, m.Value)).Single());
        Assert.Equal(1234, _queues.LeftoverReady);
    }

    [Fact]
    public async Task A_topology_queue_with_no_consumer_is_named_too()
    {
        _queues.Observed([new IntakeQueue("auditor.samples.shard-1", Leftover: false, Ready: 5, Consumers: 0, DrainingHere: false)], At);

        var result = await CheckAsync();

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Contains("auditor.samples.shard-1 holds 5", result.Description, StringComparison.Ordinal);
        Assert.Equal(0, _queues.LeftoverReady);
    }

    [Fact]
    public async Task A_leftover_being_drained_is_healthy_and_listed()
    {
        _queues.Observed([
            new IntakeQueue("auditor.samples", Leftover: false, Ready: 0, Consumers: 1, DrainingHere: false),
            new IntakeQueue("auditor.samples.shard-2", Leftover: true, Ready: 300, Consumers: 1, DrainingHere: true),
            new IntakeQueue("auditor.samples.shard-3", Leftover: true, Ready: 0, Consumers: 0, DrainingHere: false),
        ], At);

        var result = await CheckAsync();

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("draining leftover queues: auditor.samples.shard-2 (300)", result.Description);
        Assert.Equal(0, Gauge("auditor.intake.unconsumed.queues").Single().Value);
        Assert.Equal(2, Gauge("auditor.intake.leftover.ready").Count);
    }

    [Fact]
    public async Task Before_the_first_reading_readiness_says_so()
    {
        var result = await CheckAsync();

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("intake queues not read yet", result.Description);
    }

    [Fact]
    public async Task A_process_running_another_shard_count_than_the_newest_is_degraded_naming_both_and_the_gauge_shows_both()
    {
        _queues.ShardCountObserved(new ShardCountAgreement(2, new Auditor.Storage.Transport.IntakeShardCount(7, 4, At.AddMinutes(-3), "host-b pid 42"), null));
        _queues.Observed([new IntakeQueue("auditor.samples", Leftover: false, Ready: 0, Consumers: 2, DrainingHere: false)], At);

        var result = await CheckAsync();

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal("Auditor__Transport__Shards is 2 here but the newest recorded shard count is 4 (set 2026-12-03T11:57:00.0000000+00:00 by host-b pid 42); "
            + "this process follows 4 until it runs with it", result.Description);
        Assert.Equal(4, _queues.Bound.Count);
        Assert.Equal([2L, 4L], Gauge("auditor.intake.shards").Select(m => m.Value).Order());
    }

    [Fact]
    public async Task A_process_running_the_newest_shard_count_is_healthy_and_binds_it()
    {
        _queues.ShardCountObserved(new ShardCountAgreement(4, new Auditor.Storage.Transport.IntakeShardCount(8, 4, At, "host-a pid 1"), null));
        _queues.Observed([new IntakeQueue("auditor.samples", Leftover: false, Ready: 0, Consumers: 2, DrainingHere: false)], At);

        Assert.Equal(HealthStatus.Healthy, (await CheckAsync()).Status);
        Assert.Equal(4, _queues.Bound.Count);
    }

    [Fact]
    public async Task A_broker_that_cannot_be_read_makes_readiness_degraded_saying_since_when_and_why_until_a_read_succeeds()
    {
        _queues.Observed([new IntakeQueue("auditor.samples", Leftover: false, Ready: 3, Consumers: 1, DrainingHere: false)], At);
        _queues.ReadFailed(new InvalidOperationException("connection refused"), At.AddSeconds(5));
        _queues.ReadFailed(new InvalidOperationException("connection refused again"), At.AddSeconds(10));

        var failing = await CheckAsync();
        _queues.TopologyObserved([new IntakeQueue("auditor.samples", Leftover: false, Ready: 0, Consumers: 1, DrainingHere: false)], At.AddSeconds(15));
        var back = await CheckAsync();

        Assert.Equal(HealthStatus.Degraded, failing.Status);
        Assert.Equal("the intake queues could not be read since 2026-12-03T12:00:05.0000000+00:00 (InvalidOperationException: connection refused again); "
            + "last reading 2026-12-03T12:00:00.0000000+00:00", failing.Description);
        Assert.Equal(HealthStatus.Healthy, back.Status);
    }

    /// <summary>One collection of an observable gauge of this test's meter: value and queue label per point.</summary>
    private List<(long Value, string? Queue)> Gauge(string name)
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        var points = new List<(long, string?)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name == name)
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? queue = null;
            foreach (var t in tags)
                if (t.Key == "queue")
                    queue = (string?)t.Value;
            points.Add((value, queue));
        });
        listener.SetMeasurementEventCallback<int>((_, value, _, _) => points.Add((value, null)));
        listener.Start();
        listener.RecordObservableInstruments();
        return points;
    }
}
