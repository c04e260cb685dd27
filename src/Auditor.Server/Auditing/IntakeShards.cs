using Auditor.Client;
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
    /// Declares the sharded topology, idempotently: the fanout exchange publishers use, bound to the consistent-hash
    /// exchange, bound to each shard queue with weight 1. The single queue is kept (declared) so anything in it is still
    /// consumed, but unbound from the exchange: a sample must take one path, not two. A publisher that declares the
    /// single-queue binding again when it connects makes the broker copy its samples to both paths until the next
    /// declaration here removes it; the copies are counted once (the dedupe table), so this costs work, never a count.
    /// </summary>
    public async Task DeclareAsync(IChannel channel, CancellationToken ct)
    {
        await channel.ExchangeDeclareAsync(AuditorTopology.Exchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: ct);
        await channel.ExchangeDeclareAsync(AuditorTopology.ShardExchange, "x-consistent-hash", durable: true, autoDelete: false, cancellationToken: ct);
        var quorum = new Dictionary<string, object?> { ["x-queue-type"] = "quorum" };
        foreach (var queue in Queues)
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: quorum, cancellationToken: ct);
            // With a consistent-hash exchange the binding key is the queue's weight on the hash ring.
            await channel.QueueBindAsync(queue, AuditorTopology.ShardExchange, routingKey: "1", cancellationToken: ct);
        }
        await channel.ExchangeBindAsync(AuditorTopology.ShardExchange, AuditorTopology.Exchange, routingKey: "", cancellationToken: ct);
        await channel.QueueDeclareAsync(AuditorTopology.Queue, durable: true, exclusive: false, autoDelete: false, arguments: quorum, cancellationToken: ct);
        await channel.QueueUnbindAsync(AuditorTopology.Queue, AuditorTopology.Exchange, routingKey: "", cancellationToken: ct);
    }
}
