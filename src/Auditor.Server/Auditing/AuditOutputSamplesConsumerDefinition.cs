using Auditor.Server.Configuration;
using Auditor.Storage;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Auditing;

/// <summary>
/// The samples endpoint: queue "auditor.samples" (quorum on RabbitMQ), raw JSON beside the MassTransit envelope,
/// batches of up to Auditor:Consumer:BatchSize, and retries that keep messages in the queue while the store is down.
/// </summary>
public sealed class AuditOutputSamplesConsumerDefinition : ConsumerDefinition<AuditOutputSamplesConsumer>
{
    public const string QueueName = "auditor.samples";

    private readonly ConsumerOptions _options;
    private readonly TimeProvider _clock;

    public AuditOutputSamplesConsumerDefinition(IOptions<AuditorOptions> options, TimeProvider clock)
    {
        _options = options.Value.Consumer;
        _clock = clock;
        EndpointName = QueueName;
    }

    /// <summary>How long a committed message above a gap (a message of a batch still in progress) waits for a multiple ack.</summary>
    private static readonly TimeSpan StragglerLimit = TimeSpan.FromSeconds(1);

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<AuditOutputSamplesConsumer> consumer,
        IRegistrationContext context)
    {
        ConfigureReceive(endpoint, _options, _clock);

        // A database outage or a timeout is waited out (messages stay unacknowledged in the queue, the consumer does not
        // spin). A data error never gets here: the batch writer sets the refused samples aside and commits the rest, so
        // retrying it would only block every later sample. Any other failure (a bug, a broken schema) is retried a few
        // times, then the batch goes to the error queue with the exception.
        consumer.UseMessageRetry(r =>
        {
            r.Handle<Exception>(StoreFailure.IsTransient);
            r.Exponential(int.MaxValue, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));
        });
        consumer.UseMessageRetry(r =>
        {
            r.Ignore<Exception>(StoreFailure.IsTransient);
            r.Intervals(100, 500, 2000);
        });
        consumer.Options<BatchOptions>(o => SetBatches(o, _options));
    }

    /// <summary>
    /// How the samples endpoint receives, apart from its consumer: the contract's body reader, a quorum queue that nothing
    /// but the topology job binds, and one multiple ack per committed batch. Shared with bench/transport-ceiling.cs, which
    /// measures this receive path alone.
    /// </summary>
    public static void ConfigureReceive(IReceiveEndpointConfigurator endpoint, ConsumerOptions options, TimeProvider clock)
    {
        // A publisher in any language sends plain JSON: read it whatever its content type says, and whichever
        // message type header it lacks, parsed once by the contract's reader (SampleBodyDeserializer). MassTransit
        // envelopes still arrive through their own content type.
        endpoint.AddDeserializer(new SampleBodySerializerFactory(), isDefault: true);
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.SetQuorumQueue();
            // Only the fanout exchange named like the queue is bound: no per-message-type exchanges.
            rabbit.ConfigureConsumeTopology = false;
            // The intake queues are bound by IntakeTopologyJob alone, around the newest recorded shard count (which may
            // differ from this process's): bound here, a (re)connecting bus would bind the single queue again while a
            // shard count is in force, and every sample would take both paths.
            rabbit.BindQueue = false;
            // One multiple ack per committed batch instead of one ack per message: a quorum queue logs each ack frame.
            if (options.AckWindowMs > 0)
                rabbit.ConfigureChannel(p => p.UseFilter(new CoalescedAcksFilter(TimeSpan.FromMilliseconds(options.AckWindowMs), StragglerLimit, clock)));
        }
    }

    /// <summary>The consumer's batches: up to BatchSize messages, BatchTimeLimitMs to fill, ConcurrentBatches at once.</summary>
    public static void SetBatches(BatchOptions batches, ConsumerOptions options) => batches
        .SetMessageLimit(options.BatchSize)
        .SetTimeLimit(TimeSpan.FromMilliseconds(options.BatchTimeLimitMs))
        .SetConcurrencyLimit(options.ConcurrentBatches);
}
