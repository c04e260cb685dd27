using Auditor.Storage.Samples;
using MassTransit;

namespace Auditor.Server.Auditing;

/// <summary>
/// Consumes the samples queue in batches and hands each batch to <see cref="SampleAuditPipeline"/>.
/// MassTransit acknowledges the messages only when this returns, that is after the batch committed.
/// </summary>
public sealed class AuditOutputSamplesConsumer(SampleAuditPipeline pipeline) : IConsumer<Batch<QueuedSample>>
{
    public async Task Consume(ConsumeContext<Batch<QueuedSample>> context)
    {
        // Each body was read once, by the contract's own reader (QueuedSample); its bytes are kept only for a rejection.
        var batch = context.Message
            .Select(m =>
            {
                var reading = m.Message.Reading;
                var receive = m.ReceiveContext;
                return new IncomingSample(reading.Sample, reading.SampleId, reading.Violations, () => RejectedPayload.FromBytes(receive.Body.GetBytes()));
            })
            .ToList();
        await pipeline.ProcessAsync(batch, SourceOf(context), context.CancellationToken);
    }

    private static string SourceOf(ConsumeContext context) =>
        context.ReceiveContext.InputAddress?.Scheme is { } scheme && scheme.StartsWith("rabbitmq", StringComparison.Ordinal) ? "rabbitmq" : "bus";
}
