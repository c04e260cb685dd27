using Auditor.Storage.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Auditor.Server.Auditing;

/// <summary>
/// One intake queue as last read (passive declare): ready messages and consumers of every process.
/// <paramref name="Leftover"/> marks a shard queue of another topology (beyond the shard count bound, or any shard queue
/// when it is 0): unbound, it only holds what arrived before the change, and is drained.
/// </summary>
public sealed record IntakeQueue(string Name, bool Leftover, long Ready, long Consumers, bool DrainingHere)
{
    /// <summary>Samples wait in it and no process reads them: accepted and never counted unless someone acts.</summary>
    public bool Unconsumed => Ready > 0 && Consumers == 0;
}

/// <summary>
/// This process's Auditor__Transport__Shards beside the newest recorded version (table intake_shard_counts), which is the
/// topology every process binds (ADR 0014, addendum). <paramref name="ReadError"/>: the newest version could not be read
/// at the last attempt (the database is down); the last one read, or the configured count, is bound meanwhile.
/// </summary>
public sealed record ShardCountAgreement(int Configured, IntakeShardCount? Newest, string? ReadError)
{
    /// <summary>The shard count whose topology this process declares, reads and drains around.</summary>
    public int Bound => Newest?.Shards ?? Configured;

    /// <summary>This process was started with another count than the newest: it follows the newest and says so.</summary>
    public bool Disagrees => Newest is not null && Newest.Shards != Configured;
}

/// <summary>
/// The intake queues' last reading, for readiness (<see cref="IntakeQueuesHealthCheck"/>), /metrics (gauges in
/// <see cref="Pipeline.PipelineMetrics"/>) and the queue depth the pipeline monitor judges. Two readers fill it through
/// <see cref="IntakeQueueReader"/>: the topology's queues every QueueProbeSeconds (<see cref="Pipeline.QueueDepthProbe"/>,
/// once the bus's endpoints are attached), the leftovers and the shard count each cycle of <see cref="IntakeTopologyJob"/>.
/// A queue holding samples that no process consumes must never be silent: it makes readiness Degraded, the gauge
/// auditor.intake.unconsumed.queues non-zero, and a warning names it here, once, when it starts. Without a broker
/// nothing is ever read: no queue, nothing unconsumed.
/// </summary>
public sealed partial class IntakeQueues(IntakeShards configured, ILogger<IntakeQueues> logger)
{
    private readonly Lock _gate = new();
    private IReadOnlyList<IntakeQueue> _topology = [];
    private IReadOnlyList<IntakeQueue> _leftovers = [];
    private readonly HashSet<string> _reportedUnconsumed = [];
    private DateTimeOffset? _readAt;
    private (DateTimeOffset Since, string Error)? _failing;
    private ShardCountAgreement _shardCount = new(configured.Count, null, null);
    private volatile bool _consumersAttached;

    /// <summary>No broker and no log: for readings set up by hand.</summary>
    public IntakeQueues()
        : this(new IntakeShards(0), NullLogger<IntakeQueues>.Instance)
    {
    }

    /// <summary>A whole reading: the topology's queues and the leftovers (split by <see cref="IntakeQueue.Leftover"/>).</summary>
    public void Observed(IReadOnlyList<IntakeQueue> queues, DateTimeOffset at) =>
        Update(at, queues.Where(q => !q.Leftover).ToList(), queues.Where(q => q.Leftover).ToList());

    /// <summary>A reading of the topology's queues (the single queue and the bound shard queues); the leftovers stay as last read.</summary>
    public void TopologyObserved(IReadOnlyList<IntakeQueue> queues, DateTimeOffset at) => Update(at, queues, null);

    /// <summary>The broker could not be read: readiness says so (with the last reading) until the next read succeeds.</summary>
    public void ReadFailed(Exception exception, DateTimeOffset at)
    {
        bool first;
        lock (_gate)
        {
            first = _failing is null;
            _failing = (_failing?.Since ?? at, $"{exception.GetType().Name}: {exception.Message}");
        }
        if (first)
            LogReadFailed(exception);
    }

    public (IReadOnlyList<IntakeQueue> Queues, DateTimeOffset? ReadAt) Read()
    {
        lock (_gate)
            return ([.. _topology, .. _leftovers], _readAt);
    }

    /// <summary>Since when and why the broker could not be read, or null while reads succeed.</summary>
    public (DateTimeOffset Since, string Error)? Failing
    {
        get
        {
            lock (_gate)
                return _failing;
        }
    }

    /// <summary>Ready messages in leftover queues: samples waiting outside the topology, part of the pipeline's backlog.</summary>
    public long LeftoverReady => Read().Queues.Where(q => q.Leftover).Sum(q => q.Ready);

    public ShardCountAgreement ShardCount
    {
        get
        {
            lock (_gate)
                return _shardCount;
        }
    }

    /// <summary>The shard count whose queues are the topology: the newest recorded version, else the configured one.</summary>
    public IntakeShards Bound => new(ShardCount.Bound);

    public void ShardCountObserved(ShardCountAgreement agreement)
    {
        ShardCountAgreement before;
        lock (_gate)
        {
            before = _shardCount;
            _shardCount = agreement;
        }
        if (agreement.Disagrees && (!before.Disagrees || before.Newest!.Shards != agreement.Newest!.Shards))
            LogDisagrees(agreement.Configured, agreement.Newest!.Shards, agreement.Newest.SetAt, agreement.Newest.SetBy);
        else if (!agreement.Disagrees && before.Disagrees)
            LogAgreesAgain(agreement.Configured);
    }

    /// <summary>
    /// Whether this process's receive endpoints are attached (set by the topology job once the bus is healthy): before
    /// that, a queue with a backlog would read as unconsumed for the moment its endpoint takes to attach.
    /// </summary>
    public bool ConsumersAttached => _consumersAttached;

    public void AttachedConsumers() => _consumersAttached = true;

    private void Update(DateTimeOffset at, IReadOnlyList<IntakeQueue> topology, IReadOnlyList<IntakeQueue>? leftovers)
    {
        List<IntakeQueue> started = [];
        List<string> ended = [];
        DateTimeOffset? failingSince;
        lock (_gate)
        {
            _topology = topology;
            _leftovers = leftovers ?? _leftovers;
            _readAt = at;
            failingSince = _failing?.Since;
            _failing = null;
            var all = _topology.Concat(_leftovers).ToList();
            started.AddRange(all.Where(q => q.Unconsumed && _reportedUnconsumed.Add(q.Name)));
            foreach (var name in _reportedUnconsumed.Where(n => !all.Any(q => q.Name == n && q.Unconsumed)).ToList())
            {
                _reportedUnconsumed.Remove(name);
                ended.Add(name);
            }
        }
        if (failingSince is { } since)
            LogReadAgain((at - since).TotalSeconds);
        foreach (var q in started)
            LogUnconsumed(q.Name, q.Ready, q.Leftover ? "left over from another shard count" : "part of the topology");
        foreach (var name in ended)
            LogConsumedAgain(name);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the intake queues on the broker; readiness is Degraded until they can be read again")]
    private partial void LogReadFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "The intake queues are read again after {Seconds:F0} s")]
    private partial void LogReadAgain(double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Queue} holds {Ready} samples and no process consumes it ({Role}); readiness is Degraded until one does")]
    private partial void LogUnconsumed(string queue, long ready, string role);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue {Queue} is consumed again or empty")]
    private partial void LogConsumedAgain(string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Auditor__Transport__Shards is {Configured} here but the newest recorded shard count is {Newest} (set {SetAt:O} by {SetBy}): this process follows it (binds that topology, consumes every queue of it, drains the queues outside it) and reports readiness Degraded until it runs with the newest count")]
    private partial void LogDisagrees(int configured, int newest, DateTimeOffset setAt, string setBy);

    [LoggerMessage(Level = LogLevel.Information, Message = "Auditor__Transport__Shards ({Configured}) is the newest recorded shard count again")]
    private partial void LogAgreesAgain(int configured);
}
