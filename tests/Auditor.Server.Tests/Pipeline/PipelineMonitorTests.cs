using System.Diagnostics.Metrics;
using Auditor.Contracts;
using Auditor.Server.Configuration;
using Auditor.Server.Pipeline;
using Auditor.Storage.Samples;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Tests.Pipeline;

/// <summary>The monitor's state as the rule sees it, with time moved by hand.</summary>
public sealed class PipelineMonitorTests : IDisposable
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly PipelineMonitor _monitor;

    public PipelineMonitorTests()
    {
        var options = new AuditorOptions { Pipeline = { StallSeconds = 30 } };
        _monitor = new PipelineMonitor(_clock, Options.Create(options), new PipelineMetrics(_services.GetRequiredService<IMeterFactory>(), new Auditing.IntakeQueues()));
    }

    public void Dispose() => _services.Dispose();

    private void Wait(double seconds) => _clock.Now = _clock.Now.AddSeconds(seconds);

    [Fact]
    public void A_batch_that_never_finishes_is_a_stall_after_the_stall_time()
    {
        using var attempt = _monitor.BatchStarted("rabbitmq", 500);
        Wait(29);
        Assert.Equal(PipelineState.Healthy, _monitor.Status().State);
        Wait(1);

        var status = _monitor.Status();

        Assert.Equal(PipelineState.Unhealthy, status.State);
        Assert.Equal(500, _monitor.Snapshot().PendingSamples);
    }

    [Fact]
    public void A_commit_after_failures_makes_it_healthy_again()
    {
        for (var i = 0; i < 5; i++)
        {
            using var failing = _monitor.BatchStarted("http", 10);
            failing.Failed(new TimeoutException("the database did not answer"));
            Wait(1);
        }
        Assert.Equal(PipelineState.Unhealthy, _monitor.Status().State);

        using (var ok = _monitor.BatchStarted("http", 10))
            ok.Committed(new BatchOutcome(10, 0, 0, 0, 0), []);

        Assert.Equal(PipelineState.Healthy, _monitor.Status().State);
        Assert.Equal(0, _monitor.Snapshot().PendingSamples);
    }

    [Fact]
    public void Queue_messages_that_wait_without_a_commit_are_a_stall()
    {
        _monitor.QueueDepthObserved(120);
        Wait(31);
        _monitor.QueueDepthObserved(120);

        Assert.Equal("stalled", Assert.Single(_monitor.Status().Findings).Code);

        _monitor.QueueDepthObserved(0);
        Assert.Equal(PipelineState.Healthy, _monitor.Status().State);
    }

    [Fact]
    public void Rejections_leave_the_window_after_it_passes()
    {
        var rejected = Enumerable.Range(0, 150).Select(i => new RejectedSample("http", $"r{i}", [new ContractViolation("model", "model.required", "model is required.")], "{}")).ToList();
        _monitor.RejectedAtIntake("http", rejected);
        Assert.Equal("rejections", Assert.Single(_monitor.Status().Findings).Code);

        Wait(301);

        Assert.Equal(PipelineState.Healthy, _monitor.Status().State);
    }
}
