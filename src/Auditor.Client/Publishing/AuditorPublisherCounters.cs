using System.Diagnostics.Metrics;

namespace Auditor.Client;

/// <summary>
/// Live counters of one <see cref="AuditorPublisher"/>, for the caller's metrics. All totals only grow, except the
/// gauges <see cref="Buffered"/> and <see cref="InFlight"/>. Every sample offered ends in exactly one of sampled-out,
/// confirmed, rejected or dropped (once the publisher is disposed), so nothing is lost silently:
/// <c>Offered = SampledOut + Confirmed + Rejected + Dropped + Buffered + InFlight</c>, up to samples between two steps.
/// </summary>
/// <remarks>
/// The same numbers are published as observable instruments on the meter <c>Auditor.Client</c>
/// (<c>auditor.client.samples</c> with a <c>state</c> tag), for OpenTelemetry or dotnet-counters.
/// </remarks>
public sealed class AuditorPublisherCounters
{
    private long _offered, _sampledOut, _published, _confirmed, _unconfirmed, _rejected, _droppedBufferFull, _droppedUndeliverable, _buffered, _inFlight;

    /// <summary>Samples handed to the publisher.</summary>
    public long Offered => Volatile.Read(ref _offered);

    /// <summary>Samples head sampling left out (never sent; the server accounts for them through samplingRate).</summary>
    public long SampledOut => Volatile.Read(ref _sampledOut);

    /// <summary>Send attempts: a sample sent twice (after a failed attempt) counts twice.</summary>
    public long Published => Volatile.Read(ref _published);

    /// <summary>Samples the broker confirmed, or the server accepted over HTTP. Counted once per sample.</summary>
    public long Confirmed => Volatile.Read(ref _confirmed);

    /// <summary>
    /// Send attempts that ended without a confirm: broker nack, unroutable return, confirm timeout, connection lost
    /// (a broker restart), HTTP 5xx or connection error. Each such sample is retried, so it may reach the queue
    /// twice; the server counts a sample id once.
    /// </summary>
    public long Unconfirmed => Volatile.Read(ref _unconfirmed);

    /// <summary>Samples the server answered as invalid (HTTP 202 rejections, or too large for a request on its own).</summary>
    public long Rejected => Volatile.Read(ref _rejected);

    /// <summary>Samples dropped because the buffer was full (<see cref="BufferFullMode.DropAndCount"/>).</summary>
    public long DroppedBufferFull => Volatile.Read(ref _droppedBufferFull);

    /// <summary>Samples given up on: a non-retryable HTTP answer (401, 415, ...), or still unsent when the shutdown timeout ran out.</summary>
    public long DroppedUndeliverable => Volatile.Read(ref _droppedUndeliverable);

    /// <summary>All dropped samples: <see cref="DroppedBufferFull"/> + <see cref="DroppedUndeliverable"/>.</summary>
    public long Dropped => DroppedBufferFull + DroppedUndeliverable;

    /// <summary>Samples waiting in the buffer now (a gauge).</summary>
    public long Buffered => Volatile.Read(ref _buffered);

    /// <summary>Samples taken from the buffer and not yet confirmed, rejected or dropped (a gauge).</summary>
    public long InFlight => Volatile.Read(ref _inFlight);

    /// <summary>A copy of the counters at one moment, for logs and tests.</summary>
    public AuditorPublisherCountersSnapshot Snapshot() => new(Offered, SampledOut, Published, Confirmed, Unconfirmed, Rejected,
        DroppedBufferFull, DroppedUndeliverable, Buffered, InFlight);

    /// <inheritdoc/>
    public override string ToString() => Snapshot().ToString();

    internal void AddOffered() => Interlocked.Increment(ref _offered);
    internal void AddSampledOut() => Interlocked.Increment(ref _sampledOut);
    internal void AddPublished(int n) => Interlocked.Add(ref _published, n);
    internal void AddConfirmed(int n) => Interlocked.Add(ref _confirmed, n);
    internal void AddUnconfirmed(int n) => Interlocked.Add(ref _unconfirmed, n);
    internal void AddRejected(int n) => Interlocked.Add(ref _rejected, n);
    internal void AddDroppedBufferFull() => Interlocked.Increment(ref _droppedBufferFull);
    internal void AddDroppedUndeliverable(int n) => Interlocked.Add(ref _droppedUndeliverable, n);
    internal void AddBuffered(int n) => Interlocked.Add(ref _buffered, n);
    internal void AddInFlight(int n) => Interlocked.Add(ref _inFlight, n);

    internal IEnumerable<Measurement<long>> Measure() =>
    [
        new(SampledOut, new KeyValuePair<string, object?>("state", "sampled_out")),
        new(Published, new KeyValuePair<string, object?>("state", "published")),
        new(Confirmed, new KeyValuePair<string, object?>("state", "confirmed")),
        new(Unconfirmed, new KeyValuePair<string, object?>("state", "unconfirmed")),
        new(Rejected, new KeyValuePair<string, object?>("state", "rejected")),
        new(DroppedBufferFull, new KeyValuePair<string, object?>("state", "dropped_buffer_full")),
        new(DroppedUndeliverable, new KeyValuePair<string, object?>("state", "dropped_undeliverable")),
    ];
}

/// <summary>The counters of an <see cref="AuditorPublisher"/> at one moment; see <see cref="AuditorPublisherCounters"/> for each meaning.</summary>
/// <param name="Offered">Samples handed to the publisher.</param>
/// <param name="SampledOut">Samples head sampling left out.</param>
/// <param name="Published">Send attempts.</param>
/// <param name="Confirmed">Samples confirmed or accepted.</param>
/// <param name="Unconfirmed">Send attempts without a confirm (retried).</param>
/// <param name="Rejected">Samples the server answered as invalid.</param>
/// <param name="DroppedBufferFull">Samples dropped on a full buffer.</param>
/// <param name="DroppedUndeliverable">Samples given up on.</param>
/// <param name="Buffered">Samples waiting in the buffer.</param>
/// <param name="InFlight">Samples being sent.</param>
public readonly record struct AuditorPublisherCountersSnapshot(long Offered, long SampledOut, long Published, long Confirmed,
    long Unconfirmed, long Rejected, long DroppedBufferFull, long DroppedUndeliverable, long Buffered, long InFlight)
{
    /// <summary>All dropped samples.</summary>
    public long Dropped => DroppedBufferFull + DroppedUndeliverable;
}
