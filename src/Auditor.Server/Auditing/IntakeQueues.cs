namespace Auditor.Server.Auditing;

/// <summary>
/// One intake queue as <see cref="IntakeTopologyJob"/> last read it (passive declare): ready messages and consumers of
/// every process. <paramref name="Leftover"/> marks a shard queue of another topology (beyond Auditor__Transport__Shards,
/// or any shard queue when it is 0): unbound, it only holds what arrived before the change, and is drained.
/// </summary>
public sealed record IntakeQueue(string Name, bool Leftover, long Ready, long Consumers, bool DrainingHere)
{
    /// <summary>Samples wait in it and no process reads them: accepted and never counted unless someone acts.</summary>
    public bool Unconsumed => Ready > 0 && Consumers == 0;
}

/// <summary>
/// The intake queues' last reading, for readiness (<see cref="IntakeQueuesHealthCheck"/>), /metrics (gauges in
/// <see cref="Pipeline.PipelineMetrics"/>) and the queue depth the pipeline monitor judges. A queue holding samples that
/// no process consumes must never be silent: it makes readiness Degraded, the gauge auditor.intake.unconsumed.queues
/// non-zero, and the job logs a warning naming it. Without a broker nothing is ever read: no queue, nothing unconsumed.
/// </summary>
public sealed class IntakeQueues
{
    private readonly Lock _gate = new();
    private IReadOnlyList<IntakeQueue> _queues = [];
    private DateTimeOffset? _readAt;

    public void Observed(IReadOnlyList<IntakeQueue> queues, DateTimeOffset at)
    {
        lock (_gate)
        {
            _queues = queues;
            _readAt = at;
        }
    }

    public (IReadOnlyList<IntakeQueue> Queues, DateTimeOffset? ReadAt) Read()
    {
        lock (_gate)
            return (_queues, _readAt);
    }

    /// <summary>Ready messages in leftover queues: samples waiting outside the topology, part of the pipeline's backlog.</summary>
    public long LeftoverReady => Read().Queues.Where(q => q.Leftover).Sum(q => q.Ready);
}
