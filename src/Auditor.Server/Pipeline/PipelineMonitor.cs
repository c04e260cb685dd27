using Auditor.Server.Configuration;
using Auditor.Storage.Samples;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Pipeline;

/// <summary>Work that waits outside a batch: HTTP requests waiting for their commit.</summary>
public interface IPendingWorkSource
{
    /// <summary>Samples waiting and since when the oldest of them has waited.</summary>
    (long Samples, DateTimeOffset? OldestSince) Pending();
}

/// <summary>
/// What the pipeline did and what waits: batch attempts (started, committed, failed), HTTP work waiting for its commit,
/// the broker queue's depth, and recent rejections. It only keeps state; <see cref="PipelineStatusRule"/> judges it, and
/// the figures are exported through <see cref="PipelineMetrics"/>. Every intake path reports here, so /health/ready,
/// /metrics and the streams page read the same numbers.
/// </summary>
public sealed class PipelineMonitor
{
    private readonly TimeProvider _clock;
    private readonly PipelineOptions _options;
    private readonly PipelineMetrics _metrics;
    private readonly Lock _gate = new();
    private readonly Dictionary<long, (string Source, int Samples, DateTimeOffset Since)> _inFlight = [];
    private readonly LinkedList<(long Second, long Samples, long Rejected)> _window = new();
    private readonly List<IPendingWorkSource> _sources = [];
    private long _nextAttempt;
    private DateTimeOffset? _lastCommitAt;
    private int _consecutiveFailures;
    private string? _lastFailure;
    private long? _queueDepth;
    private DateTimeOffset? _queueWaitingSince;

    public PipelineMonitor(TimeProvider clock, IOptions<AuditorOptions> options, PipelineMetrics metrics)
    {
        _clock = clock;
        _options = options.Value.Pipeline;
        _metrics = metrics;
        metrics.Observe(this);
    }

    public void AddPendingSource(IPendingWorkSource source)
    {
        lock (_gate)
            _sources.Add(source);
    }

    /// <summary>Samples arrived at an intake (an HTTP request's records, valid or not).</summary>
    public void Received(string source, int samples) => _metrics.Received(source, samples);

    /// <summary>A batch attempt begins; dispose the attempt when it ends, after <see cref="BatchAttempt.Committed"/> or <see cref="BatchAttempt.Failed"/>.</summary>
    public BatchAttempt BatchStarted(string source, int samples)
    {
        long id;
        lock (_gate)
        {
            id = ++_nextAttempt;
            _inFlight[id] = (source, samples, _clock.GetUtcNow());
        }
        if (source != "http") // HTTP samples were counted as received by the endpoint
            _metrics.Received(source, samples);
        return new BatchAttempt(this, id, source, _clock.GetTimestamp());
    }

    /// <summary>Rejections recorded outside a batch (the HTTP endpoint keeps what it refuses at the edge).</summary>
    public void RejectedAtIntake(string source, IReadOnlyList<RejectedSample> rejected)
    {
        if (rejected.Count == 0)
            return;
        _metrics.Rejected(source, rejected);
        AddToWindow(rejected.Count, rejected.Count);
    }

    /// <summary>The broker queue's ready messages, or null when it could not be read.</summary>
    public void QueueDepthObserved(long? depth)
    {
        lock (_gate)
        {
            if (depth is null)
                return;
            _queueDepth = depth;
            if (depth == 0)
                _queueWaitingSince = null;
            else
                _queueWaitingSince ??= _clock.GetUtcNow();
        }
    }

    /// <summary>A refused or unanswered intake request (back-pressure), by reason.</summary>
    public void IntakeRefused(string reason) => _metrics.Refused(reason);

    public PipelineSnapshot Snapshot()
    {
        var now = _clock.GetUtcNow();
        var (http, httpSince) = HttpPending();
        lock (_gate)
        {
            PruneWindow(now);
            var processing = Processing();
            var since = Earliest(Earliest(httpSince, _queueWaitingSince), _inFlight.Count == 0 ? null : _inFlight.Values.Min(v => v.Since));
            var pending = http + processing + (_queueDepth ?? 0);
            return new PipelineSnapshot(now, _lastCommitAt, pending, pending > 0 ? since : null, _consecutiveFailures, _lastFailure,
                _window.Sum(w => w.Samples), _window.Sum(w => w.Rejected));
        }
    }

    public PipelineStatus Status() => Judge(Snapshot());

    public PipelineStatus Judge(PipelineSnapshot snapshot) => PipelineStatusRule.Judge(snapshot, _options);

    /// <summary>Pending samples by where they wait, for the metrics.</summary>
    internal (long Http, long Processing, long? Queue) PendingByPlace()
    {
        var (http, _) = HttpPending();
        lock (_gate)
            return (http, Processing(), _queueDepth);
    }

    internal DateTimeOffset? LastCommitAt
    {
        get
        {
            lock (_gate)
                return _lastCommitAt;
        }
    }

    internal DateTimeOffset Now => _clock.GetUtcNow();

    // HTTP batches in progress are still in their intake's pending count: counted there, not twice.
    private long Processing() => _inFlight.Values.Where(v => v.Source != "http").Sum(v => (long)v.Samples);

    private (long Samples, DateTimeOffset? Since) HttpPending()
    {
        IPendingWorkSource[] sources;
        lock (_gate)
            sources = [.. _sources];
        long samples = 0;
        DateTimeOffset? since = null;
        foreach (var s in sources)
        {
            var (n, oldest) = s.Pending();
            samples += n;
            since = Earliest(since, oldest);
        }
        return (samples, since);
    }

    private void Committed(long id, string source, long startedAt, BatchOutcome outcome, IReadOnlyList<RejectedSample> rejected)
    {
        var took = _clock.GetElapsedTime(startedAt);
        lock (_gate)
        {
            _inFlight.Remove(id);
            _lastCommitAt = _clock.GetUtcNow();
            _consecutiveFailures = 0;
            _lastFailure = null;
        }
        _metrics.Committed(source, outcome, rejected, took);
        AddToWindow(outcome.Counted + outcome.Duplicates + rejected.Count, rejected.Count);
    }

    private void Failed(long id, string source, Exception exception)
    {
        lock (_gate)
        {
            _inFlight.Remove(id);
            _consecutiveFailures++;
            _lastFailure = $"{exception.GetType().Name}: {exception.Message}";
        }
        _metrics.Failed(source, PipelineFailures.IsTransient(exception));
    }

    private void Ended(long id)
    {
        lock (_gate)
            _inFlight.Remove(id);
    }

    private void AddToWindow(long samples, long rejected)
    {
        var second = _clock.GetUtcNow().ToUnixTimeSeconds();
        lock (_gate)
        {
            // One entry a second at most, so the window stays small whatever the traffic.
            if (_window.Last is { } tail && tail.Value.Second == second)
                tail.Value = (second, tail.Value.Samples + samples, tail.Value.Rejected + rejected);
            else
                _window.AddLast((second, samples, rejected));
        }
    }

    private void PruneWindow(DateTimeOffset now)
    {
        var oldest = now.ToUnixTimeSeconds() - _options.RejectionWindowSeconds;
        while (_window.First is { } head && head.Value.Second <= oldest)
            _window.RemoveFirst();
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a < b ? a : b;

    /// <summary>One batch attempt: say how it ended, then dispose it.</summary>
    public sealed class BatchAttempt(PipelineMonitor monitor, long id, string source, long startedAt) : IDisposable
    {
        private bool _ended;

        public void Committed(BatchOutcome outcome, IReadOnlyList<RejectedSample> rejected)
        {
            _ended = true;
            monitor.Committed(id, source, startedAt, outcome, rejected);
        }

        /// <summary>Records the failure; returns false so it can sit in an exception filter and let the exception go on.</summary>
        public bool Failed(Exception exception)
        {
            if (exception is OperationCanceledException)
                return false; // shutting down, not failing
            _ended = true;
            monitor.Failed(id, source, exception);
            return false;
        }

        public void Dispose()
        {
            if (!_ended)
                monitor.Ended(id);
        }
    }
}
