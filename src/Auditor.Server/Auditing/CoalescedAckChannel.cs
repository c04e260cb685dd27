using MassTransit;
using MassTransit.Middleware;
using MassTransit.RabbitMqTransport;
using RabbitMQ.Client;

namespace Auditor.Server.Auditing;

/// <summary>
/// The samples endpoint's RabbitMQ channel as MassTransit's consumer sees it, except that the per-message acks
/// MassTransit sends when a message's batch committed are gathered for <c>window</c> and sent as one multiple ack
/// (<see cref="AckLedger"/>). A quorum queue turns every ack frame into a log entry of its own, so one ack per message
/// cost the broker about as much as the publish; one per batch removes that. Only the grouping changes: a message is
/// acknowledged only after MassTransit acknowledged it (after its batch committed), and the ack MassTransit awaits
/// completes when the ack frame that covers it has been sent. Nacks go out at once, in order with the acks.
/// </summary>
public sealed class CoalescedAckChannel : ProxyPipeContext, ChannelContext, IAsyncDisposable
{
    private readonly ChannelContext _inner;
    private readonly TimeSpan _window;
    private readonly TimeProvider _clock;
    private readonly AckLedger _ledger;
    private readonly Lock _state = new();
    private readonly Dictionary<ulong, TaskCompletionSource> _waiting = [];
    // Sends one frame at a time, in the order planned: a multiple ack must never reach the broker after a later one.
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly SemaphoreSlim _finishedSignal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _flushing;
    private bool _signalled;
    private bool _disposed;

    public CoalescedAckChannel(ChannelContext inner, TimeSpan window, TimeSpan stragglerLimit, TimeProvider clock)
        : base(inner)
    {
        _inner = inner;
        _window = window;
        _clock = clock;
        _ledger = new AckLedger((long)(stragglerLimit.TotalSeconds * clock.TimestampFrequency));
        _flushing = FlushLoopAsync(_stop.Token);
    }

    public IChannel Channel => _inner.Channel;

    public ConnectionContext ConnectionContext => _inner.ConnectionContext;

    public ValueTask BasicAck(ulong deliveryTag, bool multiple, CancellationToken cancellationToken)
    {
        if (multiple)
            return new ValueTask(SendInOrderAsync(() => _inner.BasicAck(deliveryTag, true, cancellationToken).AsTask(), deliveryTag, cancellationToken));
        var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_state)
        {
            // After the consumer stopped nothing flushes any more: an ack that still comes goes out on its own.
            if (_disposed)
                return _inner.BasicAck(deliveryTag, false, cancellationToken);
            _ledger.Finished(deliveryTag, _clock.GetTimestamp());
            _waiting[deliveryTag] = sent;
            if (!_signalled)
            {
                _signalled = true;
                _finishedSignal.Release();
            }
        }
        return new ValueTask(sent.Task);
    }

    public Task BasicNack(ulong deliveryTag, bool multiple, bool requeue, CancellationToken cancellationToken) =>
        SendInOrderAsync(() => _inner.BasicNack(deliveryTag, multiple, requeue, cancellationToken), multiple ? null : deliveryTag, cancellationToken);

    private async Task SendInOrderAsync(Func<Task> send, ulong? settles, CancellationToken ct)
    {
        await _send.WaitAsync(ct);
        try
        {
            await send();
            if (settles is { } tag)
            {
                lock (_state)
                    _ledger.Settled(tag);
            }
        }
        finally
        {
            _send.Release();
        }
    }

    private async Task FlushLoopAsync(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                bool waiting;
                lock (_state)
                    waiting = _ledger.Waiting > 0;
                // Finished deliveries above a gap are looked at again now and then, so a straggler is acknowledged on its own.
                await _finishedSignal.WaitAsync(waiting ? TimeSpan.FromMilliseconds(250) : Timeout.InfiniteTimeSpan, ct);
                await Task.Delay(_window, _clock, ct);
                await FlushAsync(CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Sends what the ledger allows now, and completes the acks it covers; <paramref name="everything"/> also sends every
    /// finished tag still waiting above a gap, on its own (when the consumer stops).
    /// </summary>
    public async Task FlushAsync(CancellationToken ct, bool everything = false)
    {
        await _send.WaitAsync(ct);
        AckPlan plan;
        List<TaskCompletionSource> done = [];
        try
        {
            lock (_state)
            {
                _signalled = false;
                plan = _ledger.Plan(everything ? long.MaxValue : _clock.GetTimestamp());
                foreach (var tag in plan.Covered.Concat(plan.Singles))
                {
                    if (_waiting.Remove(tag, out var sent))
                        done.Add(sent);
                }
            }
            try
            {
                if (plan.MultipleUpTo is { } upTo)
                    await _inner.BasicAck(upTo, true, ct);
                foreach (var tag in plan.Singles)
                    await _inner.BasicAck(tag, false, ct);
            }
            catch (Exception ex)
            {
                // The channel is gone: its unacknowledged deliveries return to the queue and are counted once when read
                // again. MassTransit sees the failure as it would have for its own ack.
                foreach (var sent in done)
                    sent.TrySetException(ex);
                return;
            }
        }
        finally
        {
            _send.Release();
        }
        foreach (var sent in done)
            sent.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _flushing;
        // What finished before the consumer stopped is acknowledged now rather than delivered again.
        if (!_inner.Channel.IsClosed)
            await FlushAsync(CancellationToken.None, everything: true);
        lock (_state)
        {
            _disposed = true;
            foreach (var sent in _waiting.Values)
                sent.TrySetCanceled();
            _waiting.Clear();
        }
        _stop.Dispose();
    }

    public Task BasicPublishAsync(string exchange, string routingKey, bool mandatory, BasicProperties basicProperties, byte[] body, bool awaitAck,
        CancellationToken cancellationToken) =>
        _inner.BasicPublishAsync(exchange, routingKey, mandatory, basicProperties, body, awaitAck, cancellationToken);

    public Task ExchangeBind(string destination, string source, string routingKey, IDictionary<string, object> arguments, CancellationToken cancellationToken) =>
        _inner.ExchangeBind(destination, source, routingKey, arguments, cancellationToken);

    public Task ExchangeDeclare(string exchange, string type, bool durable, bool autoDelete, IDictionary<string, object> arguments,
        CancellationToken cancellationToken) =>
        _inner.ExchangeDeclare(exchange, type, durable, autoDelete, arguments, cancellationToken);

    public Task ExchangeDeclarePassive(string exchange, CancellationToken cancellationToken) => _inner.ExchangeDeclarePassive(exchange, cancellationToken);

    public Task QueueBind(string queue, string exchange, string routingKey, IDictionary<string, object> arguments, CancellationToken cancellationToken) =>
        _inner.QueueBind(queue, exchange, routingKey, arguments, cancellationToken);

    public Task<QueueDeclareOk> QueueDeclare(string queue, bool durable, bool exclusive, bool autoDelete, IDictionary<string, object> arguments,
        CancellationToken cancellationToken) =>
        _inner.QueueDeclare(queue, durable, exclusive, autoDelete, arguments, cancellationToken);

    public Task<QueueDeclareOk> QueueDeclarePassive(string queue, CancellationToken cancellationToken) => _inner.QueueDeclarePassive(queue, cancellationToken);

    public Task<uint> QueuePurge(string queue, CancellationToken cancellationToken) => _inner.QueuePurge(queue, cancellationToken);

    public Task BasicQos(uint prefetchSize, ushort prefetchCount, bool global, CancellationToken cancellationToken) =>
        _inner.BasicQos(prefetchSize, prefetchCount, global, cancellationToken);

    public Task<string> BasicConsume(string queue, bool noAck, bool exclusive, IDictionary<string, object> arguments, IAsyncBasicConsumer consumer,
        string consumerTag, CancellationToken cancellationToken) =>
        _inner.BasicConsume(queue, noAck, exclusive, arguments, consumer, consumerTag, cancellationToken);

    public Task BasicCancel(string consumerTag, CancellationToken cancellationToken) => _inner.BasicCancel(consumerTag, cancellationToken);

    public void NotifyFaulted(Exception exception, Uri inputAddress) => _inner.NotifyFaulted(exception, inputAddress);
}

/// <summary>Puts <see cref="CoalescedAckChannel"/> between a receive endpoint's channel and MassTransit's consumer.</summary>
public sealed class CoalescedAcksFilter(TimeSpan window, TimeSpan stragglerLimit, TimeProvider clock) : IFilter<ChannelContext>
{
    public async Task Send(ChannelContext context, IPipe<ChannelContext> next)
    {
        await using var channel = new CoalescedAckChannel(context, window, stragglerLimit, clock);
        await next.Send(channel);
    }

    public void Probe(ProbeContext context)
    {
        var scope = context.CreateFilterScope("coalescedAcks");
        scope.Add("windowMs", window.TotalMilliseconds);
    }
}
