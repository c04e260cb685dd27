using System.Text;
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
        var batch = context.Message
            .Select(m => new IncomingSample(m.Message, () => Encoding.UTF8.GetString(m.ReceiveContext.Body.GetBytes())))
            .ToList();
        await pipeline.ProcessAsync(batch, SourceOf(context), context.CancellationToken);
    }

    private static string SourceOf(ConsumeContext context) =>
        context.ReceiveContext.InputAddress?.Scheme is { } scheme && scheme.StartsWith("rabbitmq", StringComparison.Ordinal) ? "rabbitmq" : "bus";
}
