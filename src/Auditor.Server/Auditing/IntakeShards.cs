using Auditor.Client;
using MassTransit;
using RabbitMQ.Client;

namespace Auditor.Server.Auditing;

/// <summary>
/// Auditor:Transport:Shards (Auditor__Transport__Shards = N): on RabbitMQ, intake spreads over N quorum queues
/// auditor.samples.shard-0..N-1 behind a consistent-hash exchange (the rabbitmq_consistent_hash_exchange plugin) keyed
/// by the stream's routing key, so one queue leader no longer caps intake and one stream stays ordered on one queue.
/// 0 (the default) keeps the single queue auditor.samples. Publishers keep sending to the auditor.samples exchange.
/// </summary>
public sealed record IntakeShards(int Count)
{
    public const string Key = "Auditor:Transport:Shards";
    public const int Most = 64;

    public bool Enabled => Count > 0;

    public IEnumerable<string> Queues => Enumerable.Range(0, Count).Select(AuditorTopology.ShardQueue);

    /// <summary>
    /// Shard queues another shard count may have left behind: N..Most-1 (all of them when N is 0). Those that exist are
    /// unbound and drained by <see cref="IntakeTopologyJob"/>.
    /// </summary>
    public IEnumerable<string> Leftovers => Enumerable.Range(Count, Most - Count).Select(AuditorTopology.ShardQueue);

    public static IntakeShards From(IConfiguration configuration)
    {
        var raw = configuration[Key];
        if (string.IsNullOrWhiteSpace(raw))
            return new IntakeShards(0);
        if (!int.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n > Most)
            throw new InvalidOperationException($"{Key} (Auditor__Transport__Shards) is '{raw}'; it must be a whole number from 0 (one queue) to {Most}.");
        return new IntakeShards(n);
    }

    /// <summary>
    /// Declares this shard count's topology, idempotently, each new path bound before the old one is removed so that no
    /// sample published meanwhile finds no queue (it may find two; the dedupe table counts it once).
    /// Sharded: the fanout exchange publishers use, bound to the consistent-hash exchange, bound to each shard queue with
    /// weight 1; then the single queue is unbound (still declared: the server consumes what is left in it). A publisher
    /// that declares the single-queue binding again when it connects makes the broker copy its samples to both paths
    /// until the next declaration here removes it; the copies cost work, never a count.
    /// Not sharded (0): the single queue bound to the fanout exchange, then the consistent-hash exchange unbound from it
    /// (a server that ran sharded before left that binding: every sample would also go to shard queues nobody reads).
    /// Shard queues outside the topology (<see cref="Leftovers"/>) are unbound by <see cref="UnbindLeftoverAsync"/>.
    /// </summary>
    public async Task DeclareAsync(IChannel channel, CancellationToken ct)
    {
        if (!Enabled)
        {
            await AuditorTopology.DeclareAsync(channel, ct);
            // Unbinding what does not exist succeeds on RabbitMQ 3.x, so this needs neither the plugin nor the exchange.
            await channel.ExchangeUnbindAsync(AuditorTopology.ShardExchange, AuditorTopology.Exchange, routingKey: "", cancellationToken: ct);
            return;
        }
        await channel.ExchangeDeclareAsync(AuditorTopology.Exchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: ct);
        await channel.ExchangeDeclareAsync(AuditorTopology.ShardExchange, "x-consistent-hash", durable: true, autoDelete: false, cancellationToken: ct);
        var quorum = new Dictionary<string, object?> { ["x-queue-type"] = "quorum" };
        foreach (var queue in Queues)
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: quorum, cancellationToken: ct);
            // With a consistent-hash exchange the binding key is the queue's weight on the hash ring.
            await channel.QueueBindAsync(queue, AuditorTopology.ShardExchange, routingKey: ShardWeight, cancellationToken: ct);
        }
        await channel.ExchangeBindAsync(AuditorTopology.ShardExchange, AuditorTopology.Exchange, routingKey: "", cancellationToken: ct);
        await channel.QueueDeclareAsync(AuditorTopology.Queue, durable: true, exclusive: false, autoDelete: false, arguments: quorum, cancellationToken: ct);
        await channel.QueueUnbindAsync(AuditorTopology.Queue, AuditorTopology.Exchange, routingKey: "", cancellationToken: ct);
    }

    /// <summary>
    /// Takes a leftover shard queue off the hash ring: the consistent-hash exchange stops routing streams to it (they move
    /// to the remaining queues) and it keeps only what it already holds.
    /// </summary>
    public static Task UnbindLeftoverAsync(IChannel channel, string queue, CancellationToken ct) =>
        channel.QueueUnbindAsync(queue, AuditorTopology.ShardExchange, routingKey: ShardWeight, cancellationToken: ct);

    /// <summary>
    /// The samples consumer on a shard queue, whether its endpoint is configured at start (this process's own count) or
    /// connected at run time by <see cref="IntakeTopologyJob"/> (the count in force beyond it, a leftover): the consumer's
    /// definition gives every one the same batches, retries, deserializers and quorum queue, and binds none of them.
    /// </summary>
    public static void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IRegistrationContext context) =>
        endpoint.ConfigureConsumer<AuditOutputSamplesConsumer>(context);

    private const string ShardWeight = "1";
}
