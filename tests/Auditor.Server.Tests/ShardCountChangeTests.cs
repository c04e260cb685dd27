using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Auditor.Client;
using Auditor.Contracts;
using Auditor.Server.Auditing;
using Auditor.Testing;
using RabbitMQ.Client;

using static Auditor.Server.Tests.ShardQueues;

namespace Auditor.Server.Tests;

/// <summary>
/// Changing Auditor__Transport__Shards strands no sample: samples queued under the old shard count are counted exactly
/// once after a restart with the new one, and no queue outside the new topology stays bound (checked with the server
/// stopped: what a plain publisher sends then lands only in the new topology's queues). Samples are published with a
/// plain AMQP client while no server runs, so the old topology's queues hold a backlog at the restart.
/// </summary>
public sealed class ShardCountChangeTests : BrokerTest
{
    [Fact]
    public async Task Lowering_the_shard_count_from_4_to_2_drains_shards_2_and_3_counts_every_sample_once_and_leaves_them_unbound()
    {
        await using var connection = await ConnectAsync();
        try
        {
            await StartAndStopAsync(shards: 4);
            var backlog = StreamSamples("a", 400);
            await PublishAsync(connection, backlog);
            var before = await DepthsAsync(connection);
            Assert.True(before["auditor.samples.shard-2"] > 0 && before["auditor.samples.shard-3"] > 0, Describe(before));

            await using (var app = Start(shards: 2))
            {
                await AssertCountedOnceAsync(app, backlog);
                await Eventually.Get(() => DepthsAsync(connection), d => d.Values.Sum() == 0, what: "every queue drained");
                var ready = await ReadinessAsync(app);
                Assert.Equal("Healthy", ready.GetProperty("checks").GetProperty("intake-queues").GetProperty("status").GetString());
            }

            var after = StreamSamples("b", 400);
            await PublishAsync(connection, after);
            var depths = await DepthsAsync(connection);
            Assert.Equal(0, depths["auditor.samples.shard-2"] + depths["auditor.samples.shard-3"] + depths[AuditorTopology.Queue]);
            Assert.Equal(after.Count, depths["auditor.samples.shard-0"] + depths["auditor.samples.shard-1"]);
        }
        finally
        {
            await RestoreSingleQueueAsync(connection);
        }
    }

    [Fact]
    public async Task Going_from_4_shards_to_one_queue_drains_every_shard_counts_every_sample_once_and_routes_only_to_the_single_queue()
    {
        await using var connection = await ConnectAsync();
        try
        {
            await StartAndStopAsync(shards: 4);
            var backlog = StreamSamples("a", 400);
            await PublishAsync(connection, backlog);
            Assert.Equal(0, (await DepthsAsync(connection))[AuditorTopology.Queue]);

            await using (var app = Start(shards: 0))
            {
                await AssertCountedOnceAsync(app, backlog);
                await Eventually.Get(() => DepthsAsync(connection), d => d.Values.Sum() == 0, what: "every queue drained");
            }

            // The consistent-hash exchange is no longer behind auditor.samples: one path, the single queue.
            var after = StreamSamples("b", 300);
            await PublishAsync(connection, after);
            var depths = await DepthsAsync(connection);
            Assert.Equal(after.Count, depths[AuditorTopology.Queue]);
            Assert.Equal(0, depths.Where(d => d.Key != AuditorTopology.Queue).Sum(d => d.Value));
        }
        finally
        {
            await RestoreSingleQueueAsync(connection);
        }
    }

    [Fact]
    public async Task Going_from_one_queue_to_2_shards_counts_the_single_queues_backlog_once_and_unbinds_it()
    {
        await using var connection = await ConnectAsync();
        try
        {
            await StartAndStopAsync(shards: 0);
            var backlog = StreamSamples("a", 300);
            await PublishAsync(connection, backlog);
            Assert.Equal(backlog.Count, (await DepthsAsync(connection))[AuditorTopology.Queue]);

            await using (var app = Start(shards: 2))
            {
                await AssertCountedOnceAsync(app, backlog);
                await Eventually.Get(() => DepthsAsync(connection), d => d.Values.Sum() == 0, what: "every queue drained");
                // The backlog waited in a queue its endpoint consumed from the start: no "unconsumed" alarm left behind.
                await Eventually.Get(async () => (await ReadinessAsync(app)).GetProperty("checks").GetProperty("intake-queues").GetProperty("status").GetString(),
                    s => s == "Healthy", within: TimeSpan.FromSeconds(15), what: "intake-queues healthy");
            }

            var after = StreamSamples("b", 300);
            await PublishAsync(connection, after);
            var depths = await DepthsAsync(connection);
            Assert.Equal(0, depths[AuditorTopology.Queue]);
            Assert.True(depths["auditor.samples.shard-0"] > 0 && depths["auditor.samples.shard-1"] > 0, Describe(depths));
            Assert.Equal(after.Count, depths["auditor.samples.shard-0"] + depths["auditor.samples.shard-1"]);
        }
        finally
        {
            await RestoreSingleQueueAsync(connection);
        }
    }

    private AuditorApp Start(int shards)
    {
        var app = AuditorApp.OnBrokerAndPostgres(Database, new() { [IntakeShards.Key] = shards.ToString(CultureInfo.InvariantCulture) });
        _ = app.Server; // start the host: topology job, consumers
        return app;
    }

    /// <summary>A server with this shard count declares its topology, then stops: its queues stay for the publisher.</summary>
    private async Task StartAndStopAsync(int shards)
    {
        await using var app = Start(shards);
        await Eventually.Get(async () => (await ReadinessAsync(app)).GetProperty("checks").GetProperty("intake-queues").GetProperty("description").GetString(),
            d => d != "intake queues not read yet", what: "the topology job ran once");
    }

    private static async Task AssertCountedOnceAsync(AuditorApp app, IReadOnlyList<OutputSample> samples)
    {
        await Eventually.Get(() => app.Database.CountedAsync(samples.Select(s => s.SampleId!)), n => n == samples.Count, within: TimeSpan.FromSeconds(90), what: "all samples counted");
        await using var c = await app.Database.OpenAsync(default);
        Assert.Equal(samples.Count, await Dapper.SqlMapper.ExecuteScalarAsync<long>(c, "SELECT COALESCE(SUM(total), 0) FROM stream_hour_counters"));
    }

    private static async Task<JsonElement> ReadinessAsync(AuditorApp app)
    {
        using var response = await app.CreateClient().GetAsync("/health/ready");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static string Describe(Dictionary<string, long> depths) => string.Join(", ", depths.Select(d => $"{d.Key}={d.Value}"));

    private static async Task<IConnection> ConnectAsync() =>
        await new ConnectionFactory { Uri = TestServers.RabbitMq, ClientProvidedName = "auditor-shard-change-tests" }.CreateConnectionAsync();
}
