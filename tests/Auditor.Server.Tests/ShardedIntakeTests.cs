using System.Text;
using Auditor.Client;
using Auditor.Contracts;
using Auditor.Server.Auditing;
using Auditor.Testing;
using RabbitMQ.Client;

namespace Auditor.Server.Tests;

/// <summary>
/// Auditor__Transport__Shards: a consistent-hash exchange behind auditor.samples spreads samples over quorum queues by
/// stream. Needs the rabbitmq_consistent_hash_exchange plugin (tests/run.sh enables it). Each test puts the single-queue
/// topology back afterwards, as the other broker tests expect it.
/// </summary>
public sealed class ShardedIntakeTests : BrokerTest
{
    private static async Task<IConnection> ConnectAsync() =>
        await new ConnectionFactory { Uri = TestServers.RabbitMq, ClientProvidedName = "auditor-shard-tests" }.CreateConnectionAsync();

    private static async Task RestoreSingleQueueAsync(IConnection connection, int shards)
    {
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeleteAsync(AuditorTopology.ShardExchange);
        for (var i = 0; i < shards; i++)
            await channel.QueueDeleteAsync(AuditorTopology.ShardQueue(i));
        await AuditorTopology.DeclareAsync(channel);
    }

    [Fact]
    public async Task The_sharded_topology_delivers_each_streams_samples_in_order_to_one_queue()
    {
        const int shards = 4, streams = 12, perStream = 30;
        await using var connection = await ConnectAsync();
        try
        {
            await using (var setup = await connection.CreateChannelAsync())
                await new IntakeShards(shards).DeclareAsync(setup, default);

            // A plain AMQP publisher: to the auditor.samples exchange, the stream's routing key, interleaved streams.
            await using (var publish = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)))
            {
                for (var n = 0; n < perStream; n++)
                    for (var s = 0; s < streams; s++)
                    {
                        var sample = TestSamples.Valid(id: $"s{s}-{n:D3}") with { Route = $"route-{s}" };
                        await publish.BasicPublishAsync(AuditorTopology.Exchange, AuditorTopology.StreamRoutingKey(sample.Model, sample.Route), mandatory: true,
                            AuditorTopology.JsonMessage(sample.SampleId!), Encoding.UTF8.GetBytes(OutputSampleJson.Serialize(sample)));
                    }
            }

            await using var read = await connection.CreateChannelAsync();
            Assert.Null(await read.BasicGetAsync(AuditorTopology.Queue, autoAck: true)); // unbound: one path per sample
            var queueOf = new Dictionary<string, int>();
            var used = 0;
            for (var q = 0; q < shards; q++)
            {
                var seen = new Dictionary<string, int>();
                while (await read.BasicGetAsync(AuditorTopology.ShardQueue(q), autoAck: true) is { } message)
                {
                    var id = message.BasicProperties.MessageId!;
                    var stream = id[..id.IndexOf('-', StringComparison.Ordinal)];
                    var n = int.Parse(id[(id.IndexOf('-', StringComparison.Ordinal) + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                    Assert.Equal(seen.GetValueOrDefault(stream, -1) + 1, n); // in publish order, none missing in between
                    seen[stream] = n;
                    Assert.True(queueOf.TryAdd(stream, q) || queueOf[stream] == q, $"stream {stream} is on two queues");
                }
                Assert.All(seen.Values, last => Assert.Equal(perStream - 1, last));
                used += seen.Count > 0 ? 1 : 0;
            }
            Assert.Equal(streams, queueOf.Count);
            Assert.True(used >= 2, $"12 streams all hashed to {used} queue(s)");
        }
        finally
        {
            await RestoreSingleQueueAsync(connection, shards);
        }
    }

    [Fact]
    public async Task A_sharded_server_counts_every_sample_once_including_copies_from_a_publisher_that_rebinds_the_single_queue()
    {
        const int shards = 3;
        await using var connection = await ConnectAsync();
        try
        {
            await using var app = AuditorApp.OnBrokerAndPostgres(Database, new() { [IntakeShards.Key] = shards.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            _ = app.Server; // start the host: topology job, consumers on every shard queue
            var samples = Enumerable.Range(0, 90).Select(i => TestSamples.Valid() with { Route = $"route-{i % 6}" }).ToList();
            // This publisher declared the single-queue binding when it connected (before the server unbound it) and now
            // declares it again: its samples reach both paths, and each is still counted once.
            await using (var channel = await connection.CreateChannelAsync())
                await AuditorTopology.DeclareAsync(channel);
            await using (var publish = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)))
                foreach (var s in samples)
                    await publish.BasicPublishAsync(AuditorTopology.Exchange, AuditorTopology.StreamRoutingKey(s.Model, s.Route), mandatory: true,
                        AuditorTopology.JsonMessage(s.SampleId!), Encoding.UTF8.GetBytes(OutputSampleJson.Serialize(s)));

            await Eventually.Get(() => app.Database.CountedAsync(samples.Select(s => s.SampleId!)), n => n == samples.Count, what: "all samples counted");
            await Eventually.Get(async () =>
            {
                await using var probe = await connection.CreateChannelAsync();
                long depth = (await probe.QueueDeclarePassiveAsync(AuditorTopology.Queue)).MessageCount;
                for (var i = 0; i < shards; i++)
                    depth += (await probe.QueueDeclarePassiveAsync(AuditorTopology.ShardQueue(i))).MessageCount;
                return depth;
            }, d => d == 0, what: "every queue drained");
            await using var c = await app.Database.OpenAsync(default);
            Assert.Equal(samples.Count, await Dapper.SqlMapper.ExecuteScalarAsync<long>(c, "SELECT COALESCE(SUM(total), 0) FROM stream_hour_counters"));
        }
        finally
        {
            await RestoreSingleQueueAsync(connection, shards);
        }
    }
}
