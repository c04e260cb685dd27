using Auditor.Contracts;
using MassTransit;

namespace Auditor.Server.Auditing;

/// <summary>
/// Consumes the samples queue in batches and hands each batch to <see cref="SampleAuditPipeline"/>.
/// MassTransit acknowledges the messages only when this returns, that is after the batch committed.
/// </summary>
public sealed class AuditOutputSamplesConsumer(SampleAuditPipeline pipeline) : IConsumer<Batch<OutputSample>>
{
    public async Task Consume(ConsumeContext<Batch<OutputSample>> context)
    {
        // Each body is read again with the contract's own reader: MassTransit's is lenient where the contract is not
        // (numbers as strings, a key given twice), and every intake path must judge a sample alike.
        var batch = context.Message
            .Select(m => IncomingSample.FromBody(m.ReceiveContext.Body.GetBytes(), m.ReceiveContext.ContentType?.MediaType))
            .ToList();
        await pipeline.ProcessAsync(batch, SourceOf(context), context.CancellationToken);
    }

    private static string SourceOf(ConsumeContext context) =>
        context.ReceiveContext.InputAddress?.Scheme is { } scheme && scheme.StartsWith("rabbitmq", StringComparison.Ordinal) ? "rabbitmq" : "bus";
}
