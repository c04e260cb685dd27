using Auditor.Server.Auditing;
using Auditor.Storage.Samples;

namespace Auditor.Server.Pipeline;

/// <summary>How an HTTP intake request ended: only <see cref="Accepted"/> may be answered 202.</summary>
public enum IntakeStatus
{
    /// <summary>Durable: committed (embedded transport) or confirmed by the broker (RabbitMQ).</summary>
    Accepted,
    /// <summary>Refused before anything was queued: too much already waits.</summary>
    Saturated,
    /// <summary>Queued but not durable within the accept timeout; it may still be counted later (resending is safe).</summary>
    TimedOut,
    /// <summary>The server is stopping and took nothing.</summary>
    Stopping,
    /// <summary>The broker could not take them (unreachable, channel closed, a nack): nothing acknowledged.</summary>
    Unavailable,
    /// <summary>The commit failed for a reason that is not an outage.</summary>
    Failed,
}

/// <summary>What became of one request's valid samples.</summary>
public sealed record IntakeResult(IntakeStatus Status, BatchOutcome? Outcome = null, string? Error = null);

/// <summary>
/// Where every HTTP intake (through <see cref="Ingestion.SampleIntake"/>) hands its valid samples. The answer comes only when they are durable, so a 202 survives
/// kill -9; when too much waits it says so at once instead of buffering without bound.
/// </summary>
public interface IDurableIntake
{
    /// <summary>Whether a request would be refused now: checked before the body is read, so a flood costs no memory.</summary>
    bool IsSaturated { get; }

    /// <param name="samples">Valid samples with their exact payloads.</param>
    /// <param name="bytes">Their size as received, counted against the byte limit.</param>
    Task<IntakeResult> SubmitAsync(IReadOnlyList<IncomingSample> samples, long bytes, CancellationToken ct);
}
