using Auditor.Client.Transport;
using Auditor.Contracts;

namespace Auditor.Client.Tests;

/// <summary>A transport that confirms nothing until the test opens its gate, so the buffer behind it fills up.</summary>
internal sealed class GatedTransport : ISampleTransport
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _sent;

    public string Name => "gated";
    public int Sent => Volatile.Read(ref _sent);
    public TaskCompletionSource FirstBatchTaken { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Open() => _gate.TrySetResult();

    public async Task<DeliveryReport> SendAsync(IReadOnlyList<OutputSample> batch, CancellationToken cancellationToken)
    {
        FirstBatchTaken.TrySetResult();
        await _gate.Task.WaitAsync(cancellationToken);
        Interlocked.Add(ref _sent, batch.Count);
        return new DeliveryReport { Confirmed = batch.Count };
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
