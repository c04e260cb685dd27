using System.Diagnostics.Metrics;
using Auditor.Storage.Samples;

namespace Auditor.Server.Pipeline;

/// <summary>
/// The pipeline's instruments on the "Auditor" meter (System.Diagnostics.Metrics), exported by OpenTelemetry: today at
/// GET /metrics in Prometheus text, and to any OTLP collector added later without touching them. Names and labels are
/// listed in docs/metrics.md. Label values come from fixed sets (source, rule code, refusal reason, place), never from
/// sample data; per-stream series are in <see cref="StreamTotalsMetrics"/>, capped.
/// </summary>
public sealed class PipelineMetrics
{
    public const string MeterName = "Auditor";

    private readonly Meter _meter;
    private readonly Counter<long> _received;
    private readonly Counter<long> _counted;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _batches;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _refused;
    private readonly Histogram<double> _commitSeconds;

    public PipelineMetrics(IMeterFactory meters, Auditing.IntakeQueues intakeQueues)
    {
        _meter = meters.Create(MeterName);
        _received = _meter.CreateCounter<long>("auditor.samples.received", "{sample}", "Samples that reached an intake (HTTP records, valid or not; each batch the queue consumer starts).");
        _counted = _meter.CreateCounter<long>("auditor.samples.counted", "{sample}", "Samples counted for the first time (committed).");
        _duplicates = _meter.CreateCounter<long>("auditor.samples.duplicates", "{sample}", "Samples whose id was already counted.");
        _rejected = _meter.CreateCounter<long>("auditor.samples.rejected", "{sample}", "Samples kept in rejected_samples, by the first rule they broke.");
        _batches = _meter.CreateCounter<long>("auditor.batches.committed", "{batch}", "Batches committed.");
        _retried = _meter.CreateCounter<long>("auditor.batches.retried", "{batch}", "Batch commits that failed for a connectivity or timeout reason and are retried.");
        _failed = _meter.CreateCounter<long>("auditor.batches.failed", "{batch}", "Batch commits that failed for any other reason.");
        _refused = _meter.CreateCounter<long>("auditor.intake.refused", "{request}", "POST /api/v1/samples answered 503 (saturated, timeout, stopping) or 500 (failed).");
        _commitSeconds = _meter.CreateHistogram("auditor.commit.duration", "s", "Time of one batch: validate, detect, route, commit.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
        // RabbitMQ intake queues as the topology job last read them; nothing is read without a broker (no series, 0).
        _meter.CreateObservableGauge("auditor.intake.leftover.ready", () => intakeQueues.Read().Queues.Where(q => q.Leftover)
                .Select(q => new Measurement<long>(q.Ready, new KeyValuePair<string, object?>("queue", q.Name))),
            "{message}", "Ready messages in each intake queue left over from another Auditor__Transport__Shards (unbound; drained, then 0).");
        _meter.CreateObservableGauge("auditor.intake.unconsumed.queues", () => intakeQueues.Read().Queues.Count(q => q.Unconsumed),
            "{queue}", "Intake queues holding messages that no process consumes (should be 0; readiness is Degraded otherwise).");
        // Only on RabbitMQ once the topology job ran: this process's Auditor__Transport__Shards and the newest recorded one.
        _meter.CreateObservableGauge("auditor.intake.shards", () =>
            {
                if (intakeQueues.Read().ReadAt is null && intakeQueues.ShardCount.Newest is null)
                    return [];
                var shards = intakeQueues.ShardCount;
                return shards.Newest is { } newest
                    ? [new Measurement<int>(shards.Configured, Config("configured")), new Measurement<int>(newest.Shards, Config("newest"))]
                    : new[] { new Measurement<int>(shards.Configured, Config("configured")) };
            },
            "{queue}", "Intake shard count: config=configured is this process's Auditor__Transport__Shards, config=newest the newest recorded version, which every process binds (they differ during a rolling change; readiness is Degraded then).");
    }

    internal void Observe(PipelineMonitor monitor)
    {
        _meter.CreateObservableGauge("auditor.pending.samples", () =>
        {
            var (http, processing, queue) = monitor.PendingByPlace();
            var points = new List<Measurement<long>>
            {
                new(http, new KeyValuePair<string, object?>("place", "http")),
                new(processing, new KeyValuePair<string, object?>("place", "processing")),
            };
            if (queue is { } depth)
                points.Add(new(depth, new KeyValuePair<string, object?>("place", "queue")));
            return points;
        }, "{sample}", "Samples waiting: HTTP requests waiting for their commit, batches being processed, ready messages in the broker queue.");
        _meter.CreateObservableGauge("auditor.pending.oldest_age", () =>
        {
            var s = monitor.Snapshot();
            return s.PendingSince is { } since ? (s.Now - since).TotalSeconds : 0;
        }, "s", "How long the oldest waiting work has waited (0 when nothing waits): the queue lag.");
        _meter.CreateObservableGauge("auditor.commit.last_age", () =>
            monitor.LastCommitAt is { } last ? (monitor.Now - last).TotalSeconds : double.NaN,
            "s", "Seconds since the last batch commit of this process (NaN before the first).");
        _meter.CreateObservableGauge("auditor.pipeline.status", () => (int)monitor.Status().State,
            "{state}", "0 healthy, 1 degraded, 2 unhealthy: the pipeline check of /health/ready.");
    }

    internal void Received(string source, int samples) => _received.Add(samples, Source(source));

    internal void Rejected(string source, IReadOnlyList<RejectedSample> rejected)
    {
        foreach (var byRule in rejected.GroupBy(r => r.Errors.Count > 0 ? r.Errors[0].Rule : "unknown"))
            _rejected.Add(byRule.Count(), Source(source), new KeyValuePair<string, object?>("rule", byRule.Key));
    }

    internal void Committed(string source, BatchOutcome outcome, IReadOnlyList<RejectedSample> rejected, TimeSpan took)
    {
        _batches.Add(1, Source(source));
        _counted.Add(outcome.Counted, Source(source));
        _duplicates.Add(outcome.Duplicates, Source(source));
        Rejected(source, rejected);
        _commitSeconds.Record(took.TotalSeconds, Source(source));
    }

    internal void Failed(string source, bool transient)
    {
        if (transient)
            _retried.Add(1, Source(source));
        else
            _failed.Add(1, Source(source));
    }

    internal void Refused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    private static KeyValuePair<string, object?> Source(string source) => new("source", source);

    private static KeyValuePair<string, object?> Config(string config) => new("config", config);
}
