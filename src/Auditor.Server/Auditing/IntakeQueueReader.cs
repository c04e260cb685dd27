using Auditor.Client;
using Auditor.Server.Configuration;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Auditor.Server.Auditing;

/// <summary>
/// The server's one connection for reading and changing its RabbitMQ intake queues, and the one place that opens it again
/// when the broker dropped it. <see cref="Pipeline.QueueDepthProbe"/> reads the topology's queues through it every few
/// seconds (stall detection, readiness), <see cref="IntakeTopologyJob"/> declares the topology and reads the leftovers
/// through it every minute (5 s while something is wrong). Every read is a passive declare (it never creates or changes a
/// queue) on a channel of its own, so a slow or failing step of one never holds up the other: they share the connection,
/// never a channel, and wait for each other only while the connection is being opened. The connection has no automatic
/// recovery: a dropped one is replaced here at the next read, whoever needs it first.
/// </summary>
public sealed partial class IntakeQueueReader(IConfiguration configuration, ILogger<IntakeQueueReader> logger) : IAsyncDisposable
{
    // Bounded so that a broker that does not answer (a black-holed host) fails a read within seconds, not the client's
    // defaults of 30 s to connect and 20 s per reply: the probe reports the failure while the outage is fresh.
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _opening = new(1, 1);
    private IConnection? _connection;
    private int _opened;

    /// <summary>How many connections this reader has opened: 1 after the first read, one more for each reopening.</summary>
    public int Opened => Volatile.Read(ref _opened);

    /// <summary>The single queue and the shard queues of <paramref name="shards"/>, which must exist: ready messages and consumers of every process.</summary>
    public async Task<IReadOnlyList<IntakeQueue>> ReadTopologyAsync(IntakeShards shards, CancellationToken ct)
    {
        var connection = await ConnectionAsync(ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        var read = new List<IntakeQueue>();
        // The single queue is never a leftover: every process consumes it (sharded, it only holds what arrived before the
        // change, or copies from a publisher that re-bound it).
        foreach (var queue in shards.Queues.Prepend(AuditorTopology.Queue))
        {
            var ok = await channel.QueueDeclarePassiveAsync(queue, ct);
            read.Add(new IntakeQueue(queue, Leftover: false, ok.MessageCount, ok.ConsumerCount, DrainingHere: false));
        }
        return read;
    }

    /// <summary>A queue's counts, or null when it does not exist (the broker then closes the channel: one channel per call).</summary>
    public async Task<QueueDeclareOk?> ReadIfExistsAsync(string queue, CancellationToken ct)
    {
        var connection = await ConnectionAsync(ct);
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

    /// <summary>
    /// Runs a topology change (declare, bind, unbind) on a channel of its own. A change the broker refuses with a
    /// connection error (an exchange type whose plugin is missing) closes the connection; the next read opens another.
    /// </summary>
    public async Task ChangeAsync(Func<IChannel, CancellationToken, Task> change, CancellationToken ct)
    {
        var connection = await ConnectionAsync(ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        await change(channel, ct);
    }

    private async Task<IConnection> ConnectionAsync(CancellationToken ct)
    {
        if (Volatile.Read(ref _connection) is { IsOpen: true } open)
            return open;
        await _opening.WaitAsync(ct);
        try
        {
            if (_connection is { IsOpen: true })
                return _connection;
            if (_connection is { } dropped)
            {
                LogReopening(dropped.CloseReason?.ReplyCode, dropped.CloseReason?.ReplyText);
                _connection = null;
                await dropped.DisposeAsync();
            }
            var factory = new ConnectionFactory
            {
                Uri = new Uri(ConnectionStrings.RabbitMq(configuration)),
                ClientProvidedName = "auditor-intake-queues",
                AutomaticRecoveryEnabled = false,
                TopologyRecoveryEnabled = false,
                RequestedConnectionTimeout = ConnectTimeout,
                ContinuationTimeout = ReplyTimeout,
            };
            var connection = await factory.CreateConnectionAsync(ct);
            Interlocked.Increment(ref _opened);
            Volatile.Write(ref _connection, connection);
            return connection;
        }
        finally
        {
            _opening.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _connection, null) is { } connection)
            await connection.DisposeAsync();
        _opening.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The intake queues' broker connection was closed ({ReplyCode} {ReplyText}); opening another")]
    private partial void LogReopening(ushort? replyCode, string? replyText);
}
