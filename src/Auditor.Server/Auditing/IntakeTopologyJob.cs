using Auditor.Client;
using Auditor.Server.Hosting;
using Auditor.Storage.Transport;
using MassTransit;

namespace Auditor.Server.Auditing;

/// <summary>
/// Keeps the RabbitMQ intake topology what the newest recorded shard count says, has this process consume every queue of
/// it, and strands no sample when it changes (ADR 0014 and its addendum).
/// At start it records this process's Auditor__Transport__Shards as the newest version when it differs
/// (<see cref="IntakeShardCountStore"/>; the last process started with a new value sets it), declares that topology
/// (<see cref="IntakeShards.DeclareAsync"/>: the job alone binds the intake queues, MassTransit binds none of them) and
/// unbinds every leftover shard queue (one beyond N, or any when N is 0), so no stream is routed to a queue nobody reads.
/// Once the host runs it reads the newest version every 5 s; when it changed (and once a minute, or every 5 s while
/// something is wrong) it declares that topology, reads every intake queue through <see cref="IntakeQueueReader"/>
/// (passive declares: ready messages and consumers of all processes) and connects a receive endpoint of its own to each
/// queue its configured endpoints do not cover: the shard queues of the count in force beyond its own count (so a
/// process started with a smaller count, or 0, consumes them too and nothing stalls when the processes with the larger
/// count stop), and each leftover that still holds messages, until it reads empty (then stops that endpoint; the empty,
/// unbound queue is left for an operator to delete, because quorum queues refuse a delete "if empty" and an unconditional
/// delete could drop what a process of the old topology routed there meanwhile). It reports the reading to
/// <see cref="IntakeQueues"/>; a process started with another count than the newest says so (readiness, gauge, log).
/// A publisher that re-declared the single-queue binding loses it again at the next full step. The topology's queues are
/// read every few seconds besides, by <see cref="Pipeline.QueueDepthProbe"/>.
/// </summary>
public sealed partial class IntakeTopologyJob(IntakeShards configured, IntakeQueues queues, IntakeQueueReader reader, IntakeShardCountStore shardCounts,
    IServiceProvider services, IHostApplicationLifetime lifetime, TimeProvider clock, ILogger<IntakeTopologyJob> logger) : PeriodicJob(clock)
{
    /// <summary>How often the newest shard count is read (one indexed row): a new count is followed within this.</summary>
    private static readonly TimeSpan CountCheck = TimeSpan.FromSeconds(5);

    /// <summary>How often the whole topology is declared and read when nothing is wrong and the count did not change.</summary>
    private static readonly TimeSpan FullStep = TimeSpan.FromMinutes(1);

    // Receive endpoints connected at run time, by queue: shard queues of the count in force that this process's configured
    // endpoints do not cover (it runs a smaller count, or 0), and leftovers it drains.
    private readonly Dictionary<string, HostReceiveEndpointHandle> _connected = [];
    private readonly HashSet<string> _unboundHere = [];
    // Names this process in the shard count's versions; the suffix tells apart two servers in one process (tests).
    private readonly string _name = $"{Environment.MachineName} pid {Environment.ProcessId} ({Guid.NewGuid().ToString("N")[..8]})";
    private DateTimeOffset _startedAt;
    private DateTimeOffset? _lastFullStep;
    private long? _lastVersion;
    private bool _recorded;
    private bool _busReady;
    private bool _lastStepFailed;

    protected override TimeSpan Period => CountCheck;

    protected override FirstStep FirstStep => FirstStep.Immediately;

    protected override async Task LoadAtStartAsync(CancellationToken ct)
    {
        _startedAt = Clock.GetUtcNow();
        var agreement = await AgreeOnShardCountAsync(ct);
        try
        {
            await ReconcileAsync(new IntakeShards(agreement.Bound), ct);
        }
        finally
        {
            queues.ShardCountObserved(agreement);
        }
    }

    /// <summary>
    /// Every 5 s: reads the newest shard count; declares, reads and (dis)connects endpoints when it changed, when the last
    /// step failed, while a leftover holds messages or is drained here, while a queue reads unconsumed, and else once a minute.
    /// </summary>
    protected override async Task StepAsync(CancellationToken ct)
    {
        try
        {
            await BusStartedAsync(ct); // endpoints can be connected only to a running bus
            queues.AttachedConsumers();
            var agreement = await AgreeOnShardCountAsync(ct);
            var changed = agreement.Newest?.VersionId != _lastVersion;
            if (!changed && !_lastStepFailed && _lastFullStep is { } last && Clock.GetUtcNow() - last < FullStep
                && !queues.Read().Queues.Any(q => q.Unconsumed || (q.Leftover && (q.Ready > 0 || q.DrainingHere))))
            {
                queues.ShardCountObserved(agreement);
                return;
            }
            var bound = new IntakeShards(agreement.Bound);
            List<IntakeQueue> found;
            try
            {
                found = await ReconcileAsync(bound, ct);
            }
            finally
            {
                queues.ShardCountObserved(agreement);
            }
            var reading = new List<IntakeQueue>();
            foreach (var gone in _connected.Keys.Where(k => found.All(f => f.Name != k)).ToList())
                await DisconnectAsync(gone, ct); // a leftover deleted by hand while drained here
            foreach (var q in found)
            {
                var connected = _connected.ContainsKey(q.Name);
                // The single queue and this process's own shard queues have endpoints configured at start.
                var consumedHere = q.Name == AuditorTopology.Queue || configured.Queues.Contains(q.Name);
                if (!consumedHere && !connected && (!q.Leftover || q.Ready > 0))
                    connected = await ConnectAsync(q, bound.Count, ct);
                else if (q.Leftover && q.Ready == 0 && connected)
                {
                    // Ready is 0: what this process still holds is finished (or handed back) by the stop, and read next time.
                    await DisconnectAsync(q.Name, ct);
                    connected = false;
                    LogDrained(q.Name, bound.Count);
                }
                reading.Add(q with { Consumers = Math.Max(q.Consumers, connected ? 1 : 0), DrainingHere = connected && q.Leftover });
            }
            queues.Observed(reading, Clock.GetUtcNow());
            _lastVersion = agreement.Newest?.VersionId;
            _lastFullStep = Clock.GetUtcNow();
            _lastStepFailed = false;
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            _lastStepFailed = true;
            queues.ReadFailed(ex, Clock.GetUtcNow());
            throw;
        }
    }

    /// <summary>
    /// This process's count beside the newest recorded one. The first time the database answers, this process's count is
    /// recorded as the newest if it differs, unless another process recorded one since this process started (that one is
    /// newer). Without the database the last version read is kept (the configured count before any).
    /// </summary>
    private async Task<ShardCountAgreement> AgreeOnShardCountAsync(CancellationToken ct)
    {
        try
        {
            IntakeShardCount newest;
            if (!_recorded)
            {
                var before = await shardCounts.NewestAsync(ct);
                newest = before is not null && before.SetAt > _startedAt
                    ? before
                    : await shardCounts.RecordIfChangedAsync(configured.Count, _name, ct);
                _recorded = true;
                if (newest.SetBy == _name && before is null)
                    LogRecordedFirst(newest.Shards);
                else if (newest.SetBy == _name)
                    LogRecorded(newest.Shards, before!.Shards);
            }
            else
                // No version at all (the table was emptied by hand): this process's count is the first again.
                newest = await shardCounts.NewestAsync(ct) ?? await shardCounts.RecordIfChangedAsync(configured.Count, _name, ct);
            return new ShardCountAgreement(configured.Count, newest, null);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            LogShardCountUnread(ex);
            return queues.ShardCount with { ReadError = $"{ex.GetType().Name}: {ex.Message}" };
        }
    }

    /// <summary>Declares the topology of <paramref name="bound"/>, unbinds the leftovers that exist, and returns every intake queue that exists.</summary>
    private async Task<List<IntakeQueue>> ReconcileAsync(IntakeShards bound, CancellationToken ct)
    {
        await reader.ChangeAsync(bound.DeclareAsync, ct);
        var found = (await reader.ReadTopologyAsync(bound, ct)).ToList();
        foreach (var q in bound.Leftovers)
        {
            if (await reader.ReadIfExistsAsync(q, ct) is not { } ok)
                continue;
            await reader.ChangeAsync((channel, t) => IntakeShards.UnbindLeftoverAsync(channel, q, t), ct);
            if (_unboundHere.Add(q))
                LogUnbound(q, bound.Count, ok.MessageCount);
            found.Add(new IntakeQueue(q, Leftover: true, ok.MessageCount, ok.ConsumerCount, DrainingHere: false));
        }
        return found;
    }

    /// <summary>
    /// Consumes <paramref name="queue"/> through a receive endpoint connected to the running bus, configured as the
    /// endpoints configured at start (<see cref="IntakeShards.ConfigureConsumer"/>): a shard queue of the count in force
    /// that this process's configured count does not cover, or a leftover that holds messages.
    /// </summary>
    private async Task<bool> ConnectAsync(IntakeQueue queue, int bound, CancellationToken ct)
    {
        try
        {
            var connector = services.GetRequiredService<IReceiveEndpointConnector>();
            var handle = connector.ConnectReceiveEndpoint(queue.Name, (context, e) => IntakeShards.ConfigureConsumer(e, context));
            _connected[queue.Name] = handle;
            await handle.Ready.WaitAsync(TimeSpan.FromSeconds(30), ct);
            if (queue.Leftover)
                LogDraining(queue.Name, queue.Ready, bound);
            else
                LogFollowing(queue.Name, bound, configured.Count);
            return true;
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            // Reported as unconsumed (readiness Degraded) until a later step manages it.
            if (_connected.Remove(queue.Name, out var failed))
                await failed.StopAsync(CancellationToken.None);
            LogConnectFailed(ex, queue.Name);
            return false;
        }
    }

    private async Task DisconnectAsync(string queue, CancellationToken ct)
    {
        if (_connected.Remove(queue, out var handle))
            await handle.StopAsync(ct);
    }

    // The first reading waits for the bus's endpoints to be ready (at most 30 s): a queue with a backlog at start would
    // otherwise read as unconsumed for the moment its endpoint takes to attach.
    private async Task BusStartedAsync(CancellationToken ct)
    {
        if (_busReady)
            return;
        if (!lifetime.ApplicationStarted.IsCancellationRequested)
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
            await started.Task.WaitAsync(ct);
        }
        var bus = services.GetRequiredService<IBusControl>();
        for (var waited = 0; waited < 150 && bus.CheckHealth().Status != BusHealthStatus.Healthy; waited++)
            await Task.Delay(200, ct);
        _busReady = true;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // The connected endpoints belong to the bus, which stops them itself; the connection is the reader's.
        _connected.Clear();
    }

    protected override void LogStepFailed(Exception exception) => LogReconcileFailed(exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not declare or read the intake topology (for Shards > 0: is the rabbitmq_consistent_hash_exchange plugin enabled?); trying again")]
    private partial void LogReconcileFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Queue} is not part of the intake topology (shard count {Shards}) and held {Ready} ready messages: unbound from the consistent-hash exchange")]
    private partial void LogUnbound(string queue, int shards, uint ready);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Draining leftover queue {Queue}: {Ready} ready messages outside the intake topology (shard count {Shards})")]
    private partial void LogDraining(string queue, long ready, int shards);

    [LoggerMessage(Level = LogLevel.Information, Message = "Leftover queue {Queue} is drained and unbound (shard count {Shards}); delete it once no process runs with the old shard count: rabbitmqctl delete_queue {Queue}")]
    private partial void LogDrained(string queue, int shards);

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming shard queue {Queue} of the shard count in force ({Shards}), beyond this process's Auditor__Transport__Shards ({Configured})")]
    private partial void LogFollowing(string queue, int shards, int configured);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not consume intake queue {Queue}; its samples wait uncounted unless another process consumes it (trying again)")]
    private partial void LogConnectFailed(Exception exception, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Auditor__Transport__Shards = {Shards} recorded as the newest intake shard count (it was {Before}); processes running another count follow it from their next topology step")]
    private partial void LogRecorded(int shards, int before);

    [LoggerMessage(Level = LogLevel.Information, Message = "Auditor__Transport__Shards = {Shards} recorded as the intake shard count (the first version)")]
    private partial void LogRecordedFirst(int shards);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the newest intake shard count from the database; binding the last one read (or the configured one) meanwhile")]
    private partial void LogShardCountUnread(Exception exception);
}
