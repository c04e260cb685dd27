using System.Text;
using Auditor.Client;
using RabbitMQ.Client;

namespace Auditor.Fault.Tests;

/// <summary>
/// Publishes payloads that are not valid samples with nothing but RabbitMQ.Client, as a buggy publisher in any
/// language would, with confirms; a batch that was not confirmed (broker restarting) is sent again until it is.
/// </summary>
public static class RawInvalidPublisher
{
    public static async Task PublishConfirmedAsync(Uri broker, IReadOnlyList<string> payloads, CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                var factory = new ConnectionFactory { Uri = broker, ClientProvidedName = "auditor-fault-invalid" };
                await using var connection = await factory.CreateConnectionAsync(ct);
                await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true), ct);
                await AuditorTopology.DeclareAsync(channel, ct);
                var confirms = new List<ValueTask>();
                for (var i = 0; i < payloads.Count; i++)
                {
                    var properties = AuditorTopology.JsonMessage($"invalid-{i}");
                    confirms.Add(channel.BasicPublishAsync(AuditorTopology.Exchange, "", false, properties, Encoding.UTF8.GetBytes(payloads[i]), ct));
                }
                foreach (var confirm in confirms)
                    await confirm;
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                await Task.Delay(delay, ct);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
    }

    /// <summary>Every message in a queue of the private node (taken off it), with its headers.</summary>
    public static async Task<List<(string Body, IDictionary<string, object?> Headers)>> DrainAsync(Uri broker, string queue, CancellationToken ct)
    {
        var factory = new ConnectionFactory { Uri = broker, ClientProvidedName = "auditor-fault-drain" };
        await using var connection = await factory.CreateConnectionAsync(ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        var messages = new List<(string, IDictionary<string, object?>)>();
        while (await channel.BasicGetAsync(queue, autoAck: true, ct) is { } got)
            messages.Add((Encoding.UTF8.GetString(got.Body.Span), got.BasicProperties.Headers ?? new Dictionary<string, object?>()));
        return messages;
    }
}
