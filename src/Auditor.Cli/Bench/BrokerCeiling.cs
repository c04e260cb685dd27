using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Auditor.Cli.Bench;

/// <summary>
/// The broker's ceiling on this machine: the same confirmed publishes into a quorum queue of the bench's own, drained by
/// a plain RabbitMQ.Client consumer that does nothing but acknowledge (multiple acks, prefetch 1000). The queue is
/// deleted afterwards; the server's queue is never touched.
/// </summary>
public static class BrokerCeiling
{
    public static async Task<double> MeasureAsync(IConnection connection, int count, Func<int, byte[]> body, CancellationToken ct)
    {
        var queue = $"auditor.bench.ceiling-{Guid.NewGuid().ToString("N")[..8]}";
        await using var setup = await connection.CreateChannelAsync(cancellationToken: ct);
        await setup.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: ct);
        try
        {
            await using var consume = await connection.CreateChannelAsync(cancellationToken: ct);
            await consume.BasicQosAsync(0, 1000, false, ct);
            var received = 0;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var consumer = new AsyncEventingBasicConsumer(consume);
            consumer.ReceivedAsync += async (_, delivery) =>
            {
                var n = ++received;
                if (n % 100 == 0 || n == count)
                    await consume.BasicAckAsync(delivery.DeliveryTag, multiple: true);
                if (n == count)
                    done.TrySetResult();
            };
            await consume.BasicConsumeAsync(queue, autoAck: false, consumer, ct);

            await using var publish = await connection.CreateChannelAsync(new CreateChannelOptions(true, true), ct);
            var clock = Stopwatch.StartNew();
            await PacedPublisher.PublishAsync(publish, "", queue, count, body, rate: null, ct);
            await done.Task.WaitAsync(TimeSpan.FromMinutes(10), ct);
            return count / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            await setup.QueueDeleteAsync(queue, cancellationToken: CancellationToken.None);
        }
    }
}
