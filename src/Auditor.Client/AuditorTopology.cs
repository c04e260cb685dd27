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
