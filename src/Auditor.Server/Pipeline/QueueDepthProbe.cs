using Auditor.Server.Auditing;
using Auditor.Server.Configuration;
using Auditor.Server.Hosting;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Auditor.Server.Pipeline;

/// <summary>
/// On RabbitMQ, reads the samples queue's ready messages every QueueProbeSeconds with a passive declare (it never
/// creates or changes the queue) and reports them to <see cref="PipelineMonitor"/>: messages that wait while nothing
/// commits are a stall even when this process has nothing in hand (its consumer stopped, or never got them).
/// Messages delivered but not yet acknowledged are not in the figure; the monitor sees those as batches in progress.
/// </summary>
public sealed partial class QueueDepthProbe(IConfiguration configuration, PipelineMonitor monitor, IOptionsMonitor<AuditorOptions> options, Auditing.IntakeShards shards,
    Auditing.IntakeQueues intakeQueues, TimeProvider clock, ILogger<QueueDepthProbe> logger) : PeriodicJob(clock)
{
    private IConnection? _connection;

    protected override TimeSpan Period => TimeSpan.FromSeconds(options.CurrentValue.Pipeline.QueueProbeSeconds);

    protected override FirstStep FirstStep => FirstStep.Immediately;

    protected override async Task StepAsync(CancellationToken ct)
    {
        try
        {
            if (_connection is not { IsOpen: true })
            {
                if (_connection is not null)
                    await _connection.DisposeAsync();
                _connection = null;
                var factory = new ConnectionFactory { Uri = new Uri(ConnectionStrings.RabbitMq(configuration)), ClientProvidedName = "auditor-queue-probe" };
                _connection = await factory.CreateConnectionAsync(ct);
            }
            await using var channel = await _connection.CreateChannelAsync(cancellationToken: ct);
            // Samples wait in the single queue and, with a sharded intake, in every shard queue; also in leftover shard
            // queues of another shard count until they are drained (as last read by the topology job: they may vanish).
            long depth = (await channel.QueueDeclarePassiveAsync(AuditOutputSamplesConsumerDefinition.QueueName, ct)).MessageCount;
            foreach (var shard in shards.Queues)
                depth += (await channel.QueueDeclarePassiveAsync(shard, ct)).MessageCount;
            depth += intakeQueues.LeftoverReady;
            monitor.QueueDepthObserved(depth);
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            monitor.QueueDepthObserved(null);
            throw;
        }
    }

    protected override void LogStepFailed(Exception exception) => LogProbeFailed(exception);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_connection is not null)
            await _connection.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not read the depth of the samples queue")]
    private partial void LogProbeFailed(Exception exception);
}
