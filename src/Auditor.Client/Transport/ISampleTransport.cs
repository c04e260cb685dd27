using Auditor.Contracts;

namespace Auditor.Client.Transport;

/// <summary>One way of getting a batch of samples to Auditor. A send never throws for delivery failures: it reports them.</summary>
internal interface ISampleTransport : IAsyncDisposable
{
    /// <summary><c>rabbitmq</c> or <c>http</c>.</summary>
    string Name { get; }

    /// <summary>Sends the batch and says what became of each sample.</summary>
    Task<DeliveryReport> SendAsync(IReadOnlyList<OutputSample> batch, CancellationToken cancellationToken);
}

/// <summary>What became of a batch: every sample is in exactly one of the lists (or counted in Confirmed).</summary>
internal sealed class DeliveryReport
{
    public int Confirmed { get; set; }
    public List<OutputSample> Retry { get; } = [];
    public List<SampleRejection> Rejected { get; } = [];
    public List<(OutputSample Sample, string Reason)> Undeliverable { get; } = [];
    public List<DeliveryProblem> Problems { get; } = [];
}
