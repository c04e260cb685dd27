using Auditor.Client;
using Auditor.Contracts;
using MassTransit;

namespace Auditor.Server.Auditing;

/// <summary>
/// Puts samples on the samples exchange, the same way any publisher does, so HTTP intake feeds the same consumer.
/// On RabbitMQ the send completes after the broker confirmed the messages.
/// </summary>
public sealed class SampleQueue(IBus bus)
{
    // The fanout exchange that the consumer's queue is bound to; sending to it never redeclares the quorum queue.
    private static readonly Uri Exchange = new($"exchange:{AuditOutputSamplesConsumerDefinition.QueueName}?type=fanout");

    public async Task EnqueueAsync(IReadOnlyList<OutputSample> samples, CancellationToken ct)
    {
        if (samples.Count == 0)
            return;
        var endpoint = await bus.GetSendEndpoint(Exchange);
        // The stream's routing key, as every publisher sets it: a sharded intake keeps the stream on one queue.
        await endpoint.SendBatch(samples, context => context.SetRoutingKey(AuditorTopology.StreamRoutingKey(context.Message.Model, context.Message.Route)), ct);
    }
}
