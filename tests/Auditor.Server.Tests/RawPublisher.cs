using System.Text;
using Auditor.Client;
using Auditor.Contracts;
using Auditor.Testing;
using RabbitMQ.Client;

namespace Auditor.Server.Tests;

/// <summary>A publisher with nothing but RabbitMQ.Client, as a service in any language would be: raw JSON, confirms.</summary>
public sealed class RawPublisher : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;

    private RawPublisher(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    public static async Task<RawPublisher> ConnectAsync()
    {
        try
        {
            var factory = new ConnectionFactory { Uri = TestServers.RabbitMq, ClientProvidedName = "auditor-tests" };
            var connection = await factory.CreateConnectionAsync();
            var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
            await AuditorTopology.DeclareAsync(channel);
            return new RawPublisher(connection, channel);
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.BrokerUnreachableException or System.Net.Sockets.SocketException)
        {
            throw new InvalidOperationException(TestServers.Missing("RabbitMQ", ex), ex);
        }
    }

    public Task PublishAsync(OutputSample sample) => PublishRawAsync(OutputSampleJson.Serialize(sample), sample.SampleId ?? "none");

    public async Task PublishRawAsync(string body, string messageId, string? contentType = AuditorTopology.JsonContentType)
    {
        var properties = AuditorTopology.JsonMessage(messageId);
        properties.ContentType = contentType;
        await _channel.BasicPublishAsync(AuditorTopology.Exchange, "", mandatory: false, properties, Encoding.UTF8.GetBytes(body));
    }

    /// <summary>Publishes exact bytes (which need not be UTF-8 or JSON).</summary>
    public async Task PublishBytesAsync(byte[] body, string messageId)
    {
        var properties = AuditorTopology.JsonMessage(messageId);
        await _channel.BasicPublishAsync(AuditorTopology.Exchange, "", mandatory: false, properties, body);
    }

    /// <summary>
    /// Takes every message off the error queue and returns their message ids; none when MassTransit has not moved a
    /// message there yet on this vhost (the queue is declared at the first move, so a 404 means an empty error queue).
    /// </summary>
    public async Task<IReadOnlyList<string>> DrainErrorQueueMessageIdsAsync()
    {
        await using var channel = await _connection.CreateChannelAsync();
        var ids = new List<string>();
        try
        {
            while (await channel.BasicGetAsync(AuditorTopology.Queue + "_error", autoAck: true) is { } message)
                ids.Add(message.BasicProperties.MessageId ?? "");
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ids.Count == 0 && ex.ShutdownReason?.ReplyCode == 404)
        {
            // No error queue on this vhost: nothing was moved there.
        }
        return ids;
    }

    /// <summary>Messages in the samples queue (ready, not those delivered and unacknowledged).</summary>
    public async Task<uint> QueueDepthAsync()
    {
        await using var channel = await _connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(AuditorTopology.Queue)).MessageCount;
    }

    /// <summary>Empties the samples queue and its error queue, so a test sees only its own messages.</summary>
    public async Task PurgeAsync()
    {
        await _channel.QueuePurgeAsync(AuditorTopology.Queue);
        // The error queue exists only once MassTransit has moved a message there; a 404 closes the channel it was asked on.
        await using var probe = await _connection.CreateChannelAsync();
        try
        {
            await probe.QueuePurgeAsync(AuditorTopology.Queue + "_error");
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            // No error queue yet: nothing to purge.
        }
    }

    public async Task<uint> ErrorQueueDepthAsync()
    {
        await using var channel = await _connection.CreateChannelAsync();
        var ok = await channel.QueueDeclarePassiveAsync(AuditorTopology.Queue + "_error");
        return ok.MessageCount;
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
