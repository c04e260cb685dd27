using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Auditor.Client.Transport;
using Auditor.Contracts;

namespace Auditor.Client;

/// <summary>
/// Publishes output samples to Auditor: head sampling, a bounded in-memory buffer, batches sent in the background
/// over RabbitMQ with publisher confirms (topology declared before the first publish), with HTTP as the fallback or
/// the only transport, retries with backoff, and counters for everything. One instance per process; thread-safe.
/// </summary>
/// <remarks>
/// <para>
/// Delivery is at least once: a sample whose confirm was lost (broker restart, timeout) is sent again, and the server
/// counts a sample id once. Nothing is dropped silently: every sample ends confirmed, rejected, sampled out or
/// dropped, each counted in <see cref="Counters"/>.
/// </para>
/// <para>Dispose the publisher at shutdown: it sends what is buffered for up to <see cref="AuditorPublisherOptions.ShutdownTimeout"/>.</para>
/// </remarks>
public sealed class AuditorPublisher : IAsyncDisposable
{
    /// <summary>Name of the <see cref="Meter"/> the counters are published on.</summary>
    public const string MeterName = "Auditor.Client";

    private readonly AuditorPublisherOptions _options;
    private readonly HeadSampler _sampler;
    private readonly Channel<OutputSample> _buffer;
    private readonly IReadOnlyList<ISampleTransport> _transports;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _sendLoop;
    private readonly Meter _meter;
    private long _outstanding;
    private int _disposed;

    /// <summary>Creates a publisher and starts its background sender. Connecting happens on the first batch, and is retried.</summary>
    /// <exception cref="ArgumentException">No transport is configured, or a size or rate is out of range.</exception>
    public AuditorPublisher(AuditorPublisherOptions options)
        : this(options, CreateTransports(options))
    {
    }

    internal AuditorPublisher(AuditorPublisherOptions options, Func<AuditorPublisherCounters, IReadOnlyList<ISampleTransport>> transports)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BufferCapacity, 1, nameof(options.BufferCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchSize, 1, nameof(options.MaxBatchSize));
        _options = options;
        _sampler = new HeadSampler(options.Sampling);
        _transports = transports(Counters);
        if (_transports.Count == 0)
            throw new ArgumentException("Set AuditorPublisherOptions.RabbitMqUri, HttpBaseAddress, or both.", nameof(options));
        _buffer = Channel.CreateBounded<OutputSample>(new BoundedChannelOptions(options.BufferCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        _meter = new Meter(MeterName);
        _meter.CreateObservableCounter("auditor.client.samples", Counters.Measure, "{sample}", "Samples by what became of them");
        _meter.CreateObservableGauge("auditor.client.buffered", () => Counters.Buffered, "{sample}", "Samples waiting in the buffer");
        _sendLoop = Task.Run(SendLoopAsync);
    }

    /// <summary>Live counters for the caller's metrics.</summary>
    public AuditorPublisherCounters Counters { get; } = new();

    /// <summary>The head sampler this publisher applies (its rate and rules).</summary>
    public HeadSampler Sampler => _sampler;

    /// <summary>
    /// Offers one sample. Head sampling decides whether it is sent and sets its <c>samplingRate</c>; a sample without
    /// a <c>sampleId</c> gets a UUIDv7 and one without <c>occurredAt</c> gets the current time. Then the sample is
    /// buffered, or, when the buffer is full, dropped and counted (<see cref="BufferFullMode.DropAndCount"/>) or
    /// waited for (<see cref="BufferFullMode.Wait"/>). Returns when the sample is buffered, not when it is confirmed:
    /// use <see cref="FlushAsync"/> for that.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The publisher was disposed.</exception>
    /// <exception cref="OperationCanceledException">Waiting for room was cancelled (the sample is counted dropped).</exception>
    public async ValueTask<PublishOutcome> PublishAsync(OutputSample sample, CancellationToken cancellationToken = default)
    {
        var outcome = Offer(sample, out var pending);
        if (pending is null)
            return outcome;
        if (_options.WhenBufferFull == BufferFullMode.Wait)
        {
            try
            {
                await _buffer.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
                return PublishOutcome.Buffered;
            }
            catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
            {
                CountDroppedBufferFull();
                if (ex is ChannelClosedException) throw new ObjectDisposedException(nameof(AuditorPublisher));
                throw;
            }
        }
        CountDroppedBufferFull();
        return PublishOutcome.Dropped;
    }

    /// <summary>
    /// Offers one sample without ever waiting: like <see cref="PublishAsync"/> in <see cref="BufferFullMode.DropAndCount"/>
    /// whatever the configured mode. For synchronous call sites.
    /// </summary>
    public PublishOutcome TryPublish(OutputSample sample)
    {
        var outcome = Offer(sample, out var pending);
        if (pending is not null)
            CountDroppedBufferFull();
        return outcome;
    }

    // What both ways of publishing share: sampling, counting, and a write that never waits. When the buffer is full the
    // completed sample comes back in `pending` (counted as buffered for now): the caller waits for room or drops it.
    private PublishOutcome Offer(OutputSample sample, out OutputSample? pending)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        pending = null;
        Counters.AddOffered();
        var decision = _sampler.Decide(sample);
        if (!decision.Keep)
        {
            Counters.AddSampledOut();
            return PublishOutcome.SampledOut;
        }
        var toSend = Complete(decision.Sample!);
        Interlocked.Increment(ref _outstanding);
        Counters.AddBuffered(1);
        if (_buffer.Writer.TryWrite(toSend))
            return PublishOutcome.Buffered;
        pending = toSend;
        return PublishOutcome.Dropped;
    }

    private void CountDroppedBufferFull()
    {
        Counters.AddBuffered(-1);
        Counters.AddDroppedBufferFull();
        Interlocked.Decrement(ref _outstanding);
    }

    /// <summary>
    /// Waits until every sample buffered so far is confirmed, rejected or dropped. While the broker is unreachable this
    /// waits for it (retries go on): pass a token with a timeout.
    /// </summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        while (Interlocked.Read(ref _outstanding) > 0)
        {
            if (_sendLoop.IsCompleted) return;
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stops taking samples, sends what is buffered for up to <see cref="AuditorPublisherOptions.ShutdownTimeout"/>,
    /// counts what is left as dropped (<see cref="AuditorPublisherCounters.DroppedUndeliverable"/>) and closes the connections.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _buffer.Writer.TryComplete();
        if (await Task.WhenAny(_sendLoop, Task.Delay(_options.ShutdownTimeout)).ConfigureAwait(false) != _sendLoop)
            await _stopping.CancelAsync().ConfigureAwait(false);
        await _sendLoop.ConfigureAwait(false);
        foreach (var transport in _transports) await transport.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _meter.Dispose();
    }

    private async Task SendLoopAsync()
    {
        var reader = _buffer.Reader;
        var batch = new List<OutputSample>(_options.MaxBatchSize);
        try
        {
            while (await reader.WaitToReadAsync(_stopping.Token).ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < _options.MaxBatchSize && reader.TryRead(out var sample)) batch.Add(sample);
                Counters.AddBuffered(-batch.Count);
                Counters.AddInFlight(batch.Count);
                await DeliverAsync(batch, _stopping.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Shutdown timeout: what is in flight was counted by DeliverAsync; count what is still buffered.
            var left = 0;
            while (reader.TryRead(out _)) left++;
            Counters.AddBuffered(-left);
            Counters.AddDroppedUndeliverable(left);
            Interlocked.Add(ref _outstanding, -left);
        }
    }

    private async Task DeliverAsync(List<OutputSample> batch, CancellationToken stopping)
    {
        IReadOnlyList<OutputSample> pending = batch;
        var failures = 0;
        try
        {
            while (pending.Count > 0)
            {
                // Each attempt tries the primary transport, then the fallback with whatever the primary could not confirm.
                foreach (var transport in _transports)
                {
                    if (pending.Count == 0) break;
                    var report = await transport.SendAsync(pending, stopping).ConfigureAwait(false);
                    Settle(report);
                    pending = report.Retry;
                }
                if (pending.Count == 0) break;
                await Task.Delay(Backoff(failures++), stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            Finish(pending.Count);
            Counters.AddDroppedUndeliverable(pending.Count);
            throw;
        }
    }

    private void Settle(DeliveryReport report)
    {
        Counters.AddConfirmed(report.Confirmed);
        Counters.AddRejected(report.Rejected.Count);
        Counters.AddDroppedUndeliverable(report.Undeliverable.Count);
        Finish(report.Confirmed + report.Rejected.Count + report.Undeliverable.Count);
        foreach (var rejection in report.Rejected) _options.OnRejected?.Invoke(rejection);
        foreach (var problem in report.Problems) _options.OnDeliveryProblem?.Invoke(problem);
    }

    private void Finish(int samples)
    {
        Counters.AddInFlight(-samples);
        Interlocked.Add(ref _outstanding, -samples);
    }

    private TimeSpan Backoff(int failures)
    {
        var exponential = _options.InitialRetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 20));
        var capped = Math.Min(exponential, _options.MaxRetryDelay.TotalMilliseconds);
        // Full jitter between half and all of the delay, so publishers restarted together do not retry in step.
        return TimeSpan.FromMilliseconds(capped * (0.5 + Random.Shared.NextDouble() * 0.5));
    }

    private static OutputSample Complete(OutputSample sample) =>
        sample.SampleId is { Length: > 0 } && sample.OccurredAt is not null
            ? sample
            : sample with
            {
                SampleId = sample.SampleId is { Length: > 0 } id ? id : Guid.CreateVersion7().ToString(),
                OccurredAt = sample.OccurredAt ?? DateTimeOffset.UtcNow,
            };

    private static Func<AuditorPublisherCounters, IReadOnlyList<ISampleTransport>> CreateTransports(AuditorPublisherOptions options) =>
        counters =>
        {
            ArgumentNullException.ThrowIfNull(options);
            var transports = new List<ISampleTransport>(2);
            if (options.RabbitMqUri is not null) transports.Add(new RabbitMqTransport(options, counters));
            if (options.HttpBaseAddress is not null) transports.Add(new HttpTransport(options, counters));
            return transports;
        };
}
