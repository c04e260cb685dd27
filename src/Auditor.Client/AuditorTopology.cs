using System.Security.Cryptography;
using System.Text;
using RabbitMQ.Client;

namespace Auditor.Client;

/// <summary>
/// The RabbitMQ topology samples travel on: a durable fanout exchange <c>auditor.samples</c> bound to the durable
/// quorum queue <c>auditor.samples</c>. The server declares it at start and so should every publisher, before its
/// first publish: RabbitMQ drops messages sent to an exchange that no queue is bound to yet.
/// </summary>
public static class AuditorTopology
{
    /// <summary>Name of the exchange publishers send to.</summary>
    public const string Exchange = "auditor.samples";

    /// <summary>Name of the quorum queue the Auditor consumers read.</summary>
    public const string Queue = "auditor.samples";

    /// <summary>
    /// The consistent-hash exchange a sharded server (Auditor__Transport__Shards = N) binds behind <see cref="Exchange"/>;
    /// it spreads samples over N quorum queues by their routing key. Publishers never send to it directly.
    /// </summary>
    public const string ShardExchange = "auditor.samples.shards";

    /// <summary>Name of shard <paramref name="index"/> (0 to N-1) of a sharded intake.</summary>
    public static string ShardQueue(int index) => $"{Queue}.shard-{index}";

    /// <summary>
    /// The routing key of a sample of stream (<paramref name="model"/>, <paramref name="route"/>): the first 32 hex digits
    /// of SHA-256 over the UTF-8 of model, a line feed, and route. The fanout exchange ignores it; a sharded intake hashes it,
    /// so every sample of a stream goes to the same queue and stays in order. Short and fixed-length whatever the names
    /// (a routing key holds at most 255 bytes). A publisher that sends "" still works: its samples share one shard.
    /// </summary>
    public static string StreamRoutingKey(string? model, string? route)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{model}\n{route}"));
        return Convert.ToHexStringLower(hash)[..32];
    }

    /// <summary>Content type of a raw JSON sample.</summary>
    public const string JsonContentType = "application/json";

    /// <summary>
    /// Declares the exchange, the queue and the binding. Idempotent: the arguments match the server's exactly, so
    /// declaring again, from any process, changes nothing.
    /// </summary>
    public static Task DeclareAsync(IChannel channel, CancellationToken cancellationToken = default) =>
        DeclareAsync(channel, Exchange, Queue, cancellationToken);

    /// <summary>
    /// Declares the same topology under other names: a durable fanout exchange <paramref name="exchange"/> bound to the
    /// durable quorum queue <paramref name="queue"/>. For tests and for separate deployments sharing one broker.
    /// </summary>
    public static async Task DeclareAsync(IChannel channel, string exchange, string queue, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentException.ThrowIfNullOrEmpty(exchange);
        ArgumentException.ThrowIfNullOrEmpty(queue);
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(queue, exchange, routingKey: "", cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Message properties for a raw JSON sample: persistent, JSON, with the sample id as message id.</summary>
    public static BasicProperties JsonMessage(string sampleId) => new()
    {
        ContentType = JsonContentType,
        DeliveryMode = DeliveryModes.Persistent,
        MessageId = sampleId,
    };
}
