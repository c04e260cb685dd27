using Auditor.Server.Auditing;
using Auditor.Server.Configuration;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Pipeline;

/// <summary>
/// HTTP intake on RabbitMQ: the samples are sent to the samples exchange and the request is answered when the broker
/// has confirmed them (publisher confirms, see <see cref="SampleQueue"/>), so a 202 survives a server kill. At most
/// MaxPublishesInFlight requests wait for confirms at once; past that, or when the broker blocks publishing longer
/// than AcceptTimeoutSeconds, the request is answered 503 instead of piling up in memory.
/// </summary>
public sealed partial class BrokerIntake(SampleQueue queue, IOptionsMonitor<AuditorOptions> options, ILogger<BrokerIntake> logger) : IDurableIntake, IDisposable
{
    private readonly SemaphoreSlim _inFlight = new(options.CurrentValue.Pipeline.MaxPublishesInFlight);

    public bool IsSaturated => _inFlight.CurrentCount == 0;

    public async Task<IntakeResult> SubmitAsync(IReadOnlyList<IncomingSample> samples, long bytes, CancellationToken ct)
    {
        if (samples.Count == 0)
            return new IntakeResult(IntakeStatus.Accepted, new Storage.Samples.BatchOutcome(0, 0, 0, 0, 0));
        if (!await _inFlight.WaitAsync(0, ct))
            return new IntakeResult(IntakeStatus.Saturated);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(options.CurrentValue.Pipeline.AcceptTimeoutSeconds));
            await queue.EnqueueAsync(samples.Select(s => s.Sample!).ToList(), timeout.Token);
            return new IntakeResult(IntakeStatus.Accepted);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new IntakeResult(IntakeStatus.TimedOut);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A nack, a closed channel, an unreachable broker: nothing was acknowledged, the client resends.
            LogPublishFailed(ex, samples.Count);
            return new IntakeResult(IntakeStatus.Unavailable, Error: $"{ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            _inFlight.Release();
        }
    }

    public void Dispose() => _inFlight.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing {Samples} HTTP samples to RabbitMQ failed; the request is answered 503")]
    private partial void LogPublishFailed(Exception exception, int samples);
}
