using Auditor.Client;
using Auditor.Server.Configuration;
using Auditor.Server.Hosting;
using MassTransit;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Auditor.Server.Auditing;

/// <summary>
/// Keeps the RabbitMQ intake topology what Auditor__Transport__Shards says, and strands no sample when it changes.
/// Before the bus starts it declares the topology (<see cref="IntakeShards.DeclareAsync"/>) and unbinds every leftover
/// shard queue (one beyond N, or any when N is 0), so no stream is routed to a queue nobody reads. Once the host runs it
/// reads every intake queue (passive declares: ready messages and consumers of all processes), consumes each leftover
/// queue that still holds messages through a receive endpoint of its own until it is empty (then stops that endpoint;
/// the empty, unbound queue is left for an operator to delete, because quorum queues refuse a delete "if empty" and an
/// unconditional delete could drop what a process of the old topology routed there meanwhile), and reports the reading
/// to <see cref="IntakeQueues"/>. It repeats every minute, every 5 s while a leftover holds messages or a queue is
/// unconsumed: a publisher that re-declared the single-queue binding loses it again, and a queue another process stopped
/// reading is picked up.
/// </summary>
public sealed partial class IntakeTopologyJob(IntakeShards shards, IntakeQueues queues, IConfiguration configuration, IServiceProvider services,
    IHostApplicationLifetime lifetime, TimeProvider clock, ILogger<IntakeTopologyJob> logger) : PeriodicJob(clock)
{
    private readonly Dictionary<string, HostReceiveEndpointHandle> _draining = [];
    private readonly HashSet<string> _reportedUnconsumed = [];
    private readonly HashSet<string> _unboundHere = [];
    private IConnection? _connection;
    private bool _busReady;

    protected override TimeSpan Period => queues.Read().Queues.Any(q => q.Unconsumed || (q.Leftover && (q.Ready > 0 || q.DrainingHere)))
        ? TimeSpan.FromSeconds(5)
        : TimeSpan.FromMinutes(1);

    protected override FirstStep FirstStep => FirstStep.Immediately;

    protected override async Task LoadAtStartAsync(CancellationToken ct) => await ReconcileAsync(ct);

    protected override async Task StepAsync(CancellationToken ct)
    {
        await BusStartedAsync(ct); // endpoints can be connected only to a running bus
        var found = await ReconcileAsync(ct);
        var reading = new List<IntakeQueue>();
        foreach (var gone in _draining.Keys.Where(k => found.All(f => f.Name != k)).ToList())
        {
            await _draining[gone].StopAsync(ct); // deleted by hand while drained here
            _draining.Remove(gone);
        }
        foreach (var (name, leftover, ok) in found)
        {
            var draining = _draining.ContainsKey(name);
            if (leftover && ok.MessageCount > 0 && !draining)
                draining = await StartDrainingAsync(name, ok.MessageCount, ct);
            else if (leftover && ok.MessageCount == 0 && draining)
            {
                // Ready is 0: what this process still holds is finished (or handed back) by the stop, and read next time.
                await _draining[name].StopAsync(ct);
                _draining.Remove(name);
                draining = false;
                LogDrained(name, shards.Count);
            }
            var consumers = Math.Max(ok.ConsumerCount, draining ? 1u : 0u);
            reading.Add(new IntakeQueue(name, leftover, ok.MessageCount, consumers, draining));
        }
        foreach (var q in reading)
        {
            if (q.Unconsumed && _reportedUnconsumed.Add(q.Name))
                LogUnconsumed(q.Name, q.Ready, q.Leftover ? "left over from another shard count" : "part of the topology");
            else if (!q.Unconsumed && _reportedUnconsumed.Remove(q.Name))
                LogConsumedAgain(q.Name);
        }
        queues.Observed(reading, Clock.GetUtcNow());
    }

    /// <summary>Declares the topology, unbinds the leftovers that exist, and returns every intake queue that exists.</summary>
    private async Task<List<(string Name, bool Leftover, QueueDeclareOk Ok)>> ReconcileAsync(CancellationToken ct)
    {
        var connection = await ConnectionAsync(ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        await shards.DeclareAsync(channel, ct);
        var found = new List<(string, bool, QueueDeclareOk)>();
        // The single queue is never a leftover: every process consumes it (sharded, it only holds what arrived before the
        // change, or copies from a publisher that re-bound it).
        found.Add((AuditorTopology.Queue, false, await channel.QueueDeclarePassiveAsync(AuditorTopology.Queue, ct)));
        foreach (var q in shards.Queues)
            found.Add((q, false, await channel.QueueDeclarePassiveAsync(q, ct)));
        foreach (var q in shards.Leftovers)
        {
            if (await PassiveAsync(connection, q, ct) is not { } ok)
                continue;
            await using (var unbind = await connection.CreateChannelAsync(cancellationToken: ct))
                await IntakeShards.UnbindLeftoverAsync(unbind, q, ct);
            if (_unboundHere.Add(q))
                LogUnbound(q, shards.Count, ok.MessageCount);
            found.Add((q, true, ok));
        }
        return found;
    }

    private async Task<bool> StartDrainingAsync(string queue, uint ready, CancellationToken ct)
    {
        try
        {
            var connector = services.GetRequiredService<IReceiveEndpointConnector>();
            var handle = connector.ConnectReceiveEndpoint(queue, (context, e) =>
            {
                // The same consumer, batches and retries as the topology's queues (its definition), on the queue as it is:
                // no exchange bound to it, so it only gives back what it holds.
                e.ConfigureConsumer<AuditOutputSamplesConsumer>(context);
                if (e is IRabbitMqReceiveEndpointConfigurator rabbit)
                {
                    rabbit.BindQueue = false;
                    rabbit.ConfigureConsumeTopology = false;
                }
            });
            _draining[queue] = handle;
            await handle.Ready.WaitAsync(TimeSpan.FromSeconds(30), ct);
            LogDraining(queue, ready, shards.Count);
            return true;
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            // Reported as unconsumed (readiness Degraded) until a later step manages it.
            if (_draining.Remove(queue, out var failed))
                await failed.StopAsync(CancellationToken.None);
            LogDrainFailed(ex, queue);
            return false;
        }
    }

    /// <summary>The queue's counts, or null when it does not exist (the broker then closes the channel: one per probe).</summary>
    private static async Task<QueueDeclareOk?> PassiveAsync(IConnection connection, string queue, CancellationToken ct)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        try
        {
            return await channel.QueueDeclarePassiveAsync(queue, ct);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return null;
        }
    }

    private async Task<IConnection> ConnectionAsync(CancellationToken ct)
    {
        if (_connection is { IsOpen: true })
            return _connection;
        if (_connection is not null)
            await _connection.DisposeAsync();
        var factory = new ConnectionFactory { Uri = new Uri(ConnectionStrings.RabbitMq(configuration)), ClientProvidedName = "auditor-intake-topology" };
        _connection = await factory.CreateConnectionAsync(ct);
        return _connection;
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
        // The drain endpoints belong to the bus, which stops them itself; only the probe connection is ours.
        _draining.Clear();
        if (_connection is not null)
            await _connection.DisposeAsync();
    }

    protected override void LogStepFailed(Exception exception) => LogReconcileFailed(exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not declare or read the intake topology (for Shards > 0: is the rabbitmq_consistent_hash_exchange plugin enabled?); trying again")]
    private partial void LogReconcileFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Queue} is not part of the intake topology (Auditor__Transport__Shards = {Shards}) and held {Ready} ready messages: unbound from the consistent-hash exchange")]
    private partial void LogUnbound(string queue, int shards, uint ready);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Draining leftover queue {Queue}: {Ready} ready messages outside the intake topology (Auditor__Transport__Shards = {Shards})")]
    private partial void LogDraining(string queue, uint ready, int shards);

    [LoggerMessage(Level = LogLevel.Information, Message = "Leftover queue {Queue} is drained and unbound (Auditor__Transport__Shards = {Shards}); delete it once no process runs with the old shard count: rabbitmqctl delete_queue {Queue}")]
    private partial void LogDrained(string queue, int shards);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not consume leftover queue {Queue}; its samples wait uncounted (trying again)")]
    private partial void LogDrainFailed(Exception exception, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Queue} holds {Ready} samples and no process consumes it ({Role}); readiness is Degraded until one does")]
    private partial void LogUnconsumed(string queue, long ready, string role);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue {Queue} is consumed again or empty")]
    private partial void LogConsumedAgain(string queue);
}
