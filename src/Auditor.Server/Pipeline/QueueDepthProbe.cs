using Auditor.Server.Auditing;
using Auditor.Server.Configuration;
using Auditor.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Pipeline;

/// <summary>
/// On RabbitMQ, reads the intake topology's queues every QueueProbeSeconds through <see cref="IntakeQueueReader"/> (passive
/// declares of the single queue and of the bound shard queues: it never creates or changes a queue) and reports their
/// ready messages, with what the leftovers held at the topology job's last reading, to <see cref="PipelineMonitor"/>:
/// messages that wait while nothing commits are a stall even when this process has nothing in hand (its consumer
/// stopped, or never got them). Once this process's endpoints are attached the same reading (ready messages and
/// consumers) refreshes <see cref="IntakeQueues"/>, so readiness and the gauges see an unconsumed queue within seconds,
/// not at the job's next minute. A failed read is reported there too (readiness Degraded while the broker cannot be
/// read). Messages delivered but not yet acknowledged are not in the figure; the monitor sees those as batches in progress.
/// </summary>
public sealed partial class QueueDepthProbe(PipelineMonitor monitor, IOptionsMonitor<AuditorOptions> options, IntakeQueueReader reader,
    IntakeQueues intakeQueues, TimeProvider clock, ILogger<QueueDepthProbe> logger) : PeriodicJob(clock)
{
    protected override TimeSpan Period => TimeSpan.FromSeconds(options.CurrentValue.Pipeline.QueueProbeSeconds);

    protected override FirstStep FirstStep => FirstStep.Immediately;

    protected override async Task StepAsync(CancellationToken ct)
    {
        try
        {
            var topology = await reader.ReadTopologyAsync(intakeQueues.Bound, ct);
            monitor.QueueDepthObserved(topology.Sum(q => q.Ready) + intakeQueues.LeftoverReady);
            if (intakeQueues.ConsumersAttached)
                intakeQueues.TopologyObserved(topology, Clock.GetUtcNow());
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            monitor.QueueDepthObserved(null);
            intakeQueues.ReadFailed(ex, Clock.GetUtcNow());
            throw;
        }
    }

    protected override void LogStepFailed(Exception exception) => LogProbeFailed(exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not read the depth of the intake queues")]
    private partial void LogProbeFailed(Exception exception);
}
