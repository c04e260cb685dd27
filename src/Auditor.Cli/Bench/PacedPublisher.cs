using System.Diagnostics;
using RabbitMQ.Client;

namespace Auditor.Cli.Bench;

/// <summary>
/// Publishes N bodies with publisher confirms, up to a window of unconfirmed messages, at full speed or at a given
/// rate. The same code feeds the broker-only ceiling and the Auditor run, so their ratio compares like with like.
/// </summary>
public static class PacedPublisher
{
    public static Task<TimeSpan> PublishAsync(IChannel channel, string exchange, string routingKey, int count, Func<int, byte[]> body,
        double? rate, CancellationToken ct, int window = 2000) =>
        PublishAsync(channel, exchange, _ => routingKey, count, body, rate, ct, window);

    /// <param name="routingKey">The routing key of message i (a sharded intake hashes it).</param>
    public static async Task<TimeSpan> PublishAsync(IChannel channel, string exchange, Func<int, string> routingKey, int count, Func<int, byte[]> body,
        double? rate, CancellationToken ct, int window = 2000)
    {
        var clock = Stopwatch.StartNew();
        var inFlight = new Queue<Task>(window);
        for (var i = 0; i < count; i++)
        {
            if (rate is { } r)
            {
                await Pace.UntilAsync(clock, TimeSpan.FromSeconds(i / r), ct, slack: TimeSpan.FromMilliseconds(2));
            }
            var properties = new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent };
            inFlight.Enqueue(channel.BasicPublishAsync(exchange, routingKey(i), false, properties, body(i), ct).AsTask());
            if (inFlight.Count >= window)
                await inFlight.Dequeue();
        }
        while (inFlight.Count > 0)
            await inFlight.Dequeue();
        return clock.Elapsed;
    }
}
