using Auditor.Server.Auditing;
using Auditor.Server.Configuration;
using Auditor.Storage.Samples;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Pipeline;

/// <summary>
/// Durable HTTP intake on the embedded transport: requests wait in a bounded queue; Auditor:Consumer:ConcurrentBatches
/// loops (2) each take whole requests up to Auditor:Consumer:BatchSize samples, runs <see cref="SampleAuditPipeline"/> on them (validate, detect, route, commit in
/// one transaction) and answers every request of the batch after the commit. So a 202 means committed, and one-sample
/// requests still commit in large transactions. Past MaxPendingSamples or MaxPendingBytes a request is refused at once
/// (503 and Retry-After); the queue never grows past that. Connectivity and timeout failures are retried with backoff
/// while the requests wait (each gives up after AcceptTimeoutSeconds, unacknowledged); any other failure of a batch of
/// several requests runs them one by one, so one request's fault fails only that request.
/// </summary>
public sealed partial class GroupCommitIntake : BackgroundService, IDurableIntake, IPendingWorkSource
{
    private readonly SampleAuditPipeline _pipeline;
    private readonly PipelineMonitor _monitor;
    private readonly IOptionsMonitor<AuditorOptions> _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<GroupCommitIntake> _logger;
    private readonly Lock _gate = new();
    private readonly LinkedList<Waiting> _queue = new();
    private readonly List<Waiting> _inBatch = [];
    private readonly SemaphoreSlim _signal = new(0);
    private long _pendingSamples;
    private long _pendingBytes;
    private bool _stopping;

    public GroupCommitIntake(SampleAuditPipeline pipeline, PipelineMonitor monitor, IOptionsMonitor<AuditorOptions> options, TimeProvider clock,
        ILogger<GroupCommitIntake> logger)
    {
        _pipeline = pipeline;
        _monitor = monitor;
        _options = options;
        _clock = clock;
        _logger = logger;
        monitor.AddPendingSource(this);
    }

    public bool IsSaturated
    {
        get
        {
            var limits = _options.CurrentValue.Pipeline;
            lock (_gate)
                return _stopping || _pendingSamples >= limits.MaxPendingSamples || _pendingBytes >= limits.MaxPendingBytes;
        }
    }

    public async Task<IntakeResult> SubmitAsync(IReadOnlyList<IncomingSample> samples, long bytes, CancellationToken ct)
    {
        if (samples.Count == 0)
            return new IntakeResult(IntakeStatus.Accepted, new BatchOutcome(0, 0, 0, 0, 0));
        var limits = _options.CurrentValue.Pipeline;
        var waiting = new Waiting(samples, bytes, _clock.GetUtcNow());
        lock (_gate)
        {
            if (_stopping)
                return new IntakeResult(IntakeStatus.Stopping);
            // A request larger than a limit still gets in when nothing waits, or it could never be taken.
            var empty = _pendingSamples == 0;
            if (!empty && (_pendingSamples + samples.Count > limits.MaxPendingSamples || _pendingBytes + bytes > limits.MaxPendingBytes))
                return new IntakeResult(IntakeStatus.Saturated);
            _queue.AddLast(waiting);
            _pendingSamples += samples.Count;
            _pendingBytes += bytes;
        }
        _signal.Release();
        try
        {
            return await waiting.Done.Task.WaitAsync(TimeSpan.FromSeconds(limits.AcceptTimeoutSeconds), _clock, ct);
        }
        catch (TimeoutException)
        {
            // Still queued: it may be counted later, so the client's resend is a duplicate that dedupe absorbs.
            return new IntakeResult(IntakeStatus.TimedOut);
        }
    }

    public (long Samples, DateTimeOffset? OldestSince) Pending()
    {
        lock (_gate)
        {
            DateTimeOffset? oldest = _queue.First?.Value.Since;
            foreach (var w in _inBatch)
                if (oldest is null || w.Since < oldest)
                    oldest = w.Since;
            return (_pendingSamples, oldest);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // As many loops as the consumer runs batches at once: one judges a batch while another commits.
        var loops = Math.Max(1, _options.CurrentValue.Consumer.ConcurrentBatches);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, loops).Select(_ => LoopAsync(stoppingToken)));
        }
        finally
        {
            await DrainAsync();
        }
    }

    private async Task LoopAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _signal.WaitAsync(stoppingToken);
                if (TakeBatch() is { Count: > 0 } batch)
                    await CommitAsync(batch, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Whole requests, oldest first, until the batch holds at least BatchSize samples.</summary>
    private List<Waiting> TakeBatch()
    {
        var limit = _options.CurrentValue.Consumer.BatchSize;
        var batch = new List<Waiting>();
        lock (_gate)
        {
            var samples = 0;
            while (_queue.First is { } first && (samples == 0 || samples + first.Value.Samples.Count <= limit))
            {
                _queue.RemoveFirst();
                batch.Add(first.Value);
                _inBatch.Add(first.Value);
                samples += first.Value.Samples.Count;
            }
        }
        return batch;
    }

    private async Task CommitAsync(List<Waiting> batch, CancellationToken stoppingToken)
    {
        var samples = batch.SelectMany(w => w.Samples).ToList();
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                // Not cancelled by shutdown: a commit under way is finished, so its requests get their answer.
                var outcome = await _pipeline.ProcessAsync(samples, "http", CancellationToken.None);
                Complete(batch, new IntakeResult(IntakeStatus.Accepted, outcome));
                return;
            }
            catch (Exception ex) when (PipelineFailures.IsTransient(ex))
            {
                LogRetry(ex, samples.Count, delay.TotalSeconds);
                if (stoppingToken.IsCancellationRequested)
                {
                    Complete(batch, new IntakeResult(IntakeStatus.Stopping));
                    return;
                }
                try
                {
                    await Task.Delay(delay, _clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    Complete(batch, new IntakeResult(IntakeStatus.Stopping));
                    return;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
            catch (Exception ex) when (batch.Count > 1)
            {
                LogSplit(ex, batch.Count);
                foreach (var one in batch)
                    await CommitAsync([one], stoppingToken);
                return;
            }
            catch (Exception ex)
            {
                LogFailed(ex, samples.Count);
                Complete(batch, new IntakeResult(IntakeStatus.Failed, Error: $"{ex.GetType().Name}: {ex.Message}"));
                return;
            }
        }
    }

    private void Complete(List<Waiting> batch, IntakeResult result)
    {
        lock (_gate)
        {
            foreach (var w in batch)
            {
                _pendingSamples -= w.Samples.Count;
                _pendingBytes -= w.Bytes;
                _inBatch.Remove(w);
            }
        }
        foreach (var w in batch)
            w.Done.TrySetResult(result);
    }

    /// <summary>At shutdown: refuse new requests, commit what already waits (bounded in time), answer the rest "stopping".</summary>
    private async Task DrainAsync()
    {
        lock (_gate)
            _stopping = true;
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (TakeBatch() is { Count: > 0 } batch)
        {
            if (bound.IsCancellationRequested)
            {
                Complete(batch, new IntakeResult(IntakeStatus.Stopping));
                continue;
            }
            await CommitAsync(batch, bound.Token);
        }
    }

    private sealed record Waiting(IReadOnlyList<IncomingSample> Samples, long Bytes, DateTimeOffset Since)
    {
        public TaskCompletionSource<IntakeResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Committing {Samples} HTTP samples failed (connectivity or timeout); retrying in {Seconds} s")]
    private partial void LogRetry(Exception exception, int samples, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Requests} HTTP requests failed; committing them one by one")]
    private partial void LogSplit(Exception exception, int requests);

    [LoggerMessage(Level = LogLevel.Error, Message = "Committing {Samples} HTTP samples failed; the request is answered 500 and nothing of it is acknowledged")]
    private partial void LogFailed(Exception exception, int samples);
}
