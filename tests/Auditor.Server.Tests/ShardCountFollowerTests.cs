using System.Diagnostics;
using Auditor.Client;
using Auditor.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using Xunit.Abstractions;

using static Auditor.Server.Tests.ShardQueues;

namespace Auditor.Server.Tests;

/// <summary>
/// Every process consumes every shard queue of the shard count in force (ADR 0014, addendum), whatever it was started
/// with: a process still running a smaller count (or 0) connects receive endpoints to the newest count's other shard
/// queues, so nothing stalls when the processes with the larger count stop, and stops them once they are leftovers and
/// drained. A process running 0 binds the single queue through its topology job only, so a dropped broker connection
/// does not bind it again while a shard count is in force. A shard queue holding samples that nobody consumes shows on
/// readiness and /metrics within seconds. Two servers run in one test process, on one database and broker.
/// </summary>
public sealed class ShardCountFollowerTests(ITestOutputHelper output) : BrokerTest
{
    private static readonly string[] Shards = [.. Enumerable.Range(0, Most).Select(AuditorTopology.ShardQueue)];

    [Fact]
    public async Task A_process_running_2_shards_consumes_shards_2_and_3_of_the_newer_4_so_samples_are_counted_after_the_4_shard_process_stops()
    {
        await using var connection = await ConnectAsync();
        try
        {
            await using var follower = Start(shards: 2);
            await FirstReadingAsync(follower);
            await using (var newer = Start(shards: 4))
            {
                await FirstReadingAsync(newer);
                var noticed = Stopwatch.StartNew();
                // Both processes on every shard queue of 4: the follower's endpoints on shards 2 and 3 are connected at run time.
                await Eventually.Get(() => ConsumersAsync(connection), c => Shards.All(q => c[q] >= 2), TimeSpan.FromSeconds(90),
                    "both processes consuming shards 0..3");
                output.WriteLine($"the 2-shard process consumed shards 2 and 3 {noticed.Elapsed.TotalSeconds:F1} s after the 4-shard process read its queues");
            }

            // The 4-shard process is gone; the follower alone consumes the four queues it routes to.
            var consumers = await Eventually.Get(() => ConsumersAsync(connection), c => Shards.All(q => c[q] == 1), TimeSpan.FromSeconds(30),
                "the follower alone on every shard queue");
            var samples = StreamSamples("after", 400);
            await PublishAsync(connection, samples);
            await Eventually.Get(() => follower.Database.CountedAsync(samples.Select(s => s.SampleId!)), n => n == samples.Count,
                TimeSpan.FromSeconds(90), "every sample counted by the 2-shard process");
            await Eventually.Get(() => DepthsAsync(connection), d => d.Values.Sum() == 0, what: "every queue drained");
            var check = await IntakeCheckAsync(follower);
            Assert.Empty(check.GetProperty("data").GetProperty("unconsumed").EnumerateArray());
            // Still Degraded, for the disagreement only: it runs 2 while 4 is in force.
            Assert.DoesNotContain("no consumer", check.GetProperty("description").GetString(), StringComparison.Ordinal);
            Assert.Contains("Auditor__Transport__Shards is 2 here but the newest recorded shard count is 4", check.GetProperty("description").GetString(), StringComparison.Ordinal);
            output.WriteLine("consumers: " + string.Join(", ", consumers.Select(c => $"{c.Key}={c.Value}")));
        }
        finally
        {
            await RestoreAsync();
        }
    }

    [Fact]
    public async Task A_process_running_0_follows_2_without_binding_the_single_queue_again_when_its_connection_drops_and_stops_consuming_the_shards_once_0_is_newest()
    {
        await using var connection = await ConnectAsync();
        try
        {
            await using var follower = Start(shards: 0);
            await FirstReadingAsync(follower);
            await using (var newer = Start(shards: 2))
            {
                await FirstReadingAsync(newer);
                await Eventually.Get(() => ConsumersAsync(connection), c => c[Shards[0]] >= 2 && c[Shards[1]] >= 2, TimeSpan.FromSeconds(90),
                    "both processes consuming shards 0 and 1");
                Assert.False(await SingleQueueBoundAsync(), "the single queue is bound while 2 shards are in force");

                // The broker drops every connection of this vhost: both buses reconnect and declare their endpoints again.
                // The test base's raw publisher declared the single-queue binding, and its client declares it again when it
                // recovers, as a publisher may: it is closed first, so that whatever binds after the drop is a server.
                await Publisher.DisposeAsync();
                var before = await ConsumersAsync(connection);
                var dropped = await ConnectionNamesAsync();
                await Rabbitmqctl("close_all_connections", "-p", VirtualHost, "test: a broker-side connection drop");
                await using var again = await ConnectAsync();
                await Eventually.Get(() => ConsumersAsync(again), c => c[AuditorTopology.Queue] >= before[AuditorTopology.Queue] && c[Shards[0]] >= 2 && c[Shards[1]] >= 2,
                    TimeSpan.FromSeconds(90), "both buses consuming again after the drop");
                // Every consumer is on a new connection: the drop was real, and the buses declared their endpoints again.
                Assert.Empty((await ConnectionNamesAsync()).Intersect(dropped));
                Assert.False(await SingleQueueBoundAsync(), "the 0-shard process's bus bound the single queue again when it reconnected");

                var samples = StreamSamples("during", 300);
                await PublishAsync(again, samples);
                await Eventually.Get(() => follower.Database.CountedAsync(samples.Select(s => s.SampleId!)), n => n == samples.Count,
                    TimeSpan.FromSeconds(90), "the samples published after the drop counted");
            }

            // The follower alone keeps consuming shards 0 and 1 (2 is still in force) ...
            await using var check = await ConnectAsync();
            await Eventually.Get(() => ConsumersAsync(check), c => c[Shards[0]] == 1 && c[Shards[1]] == 1 && c[AuditorTopology.Queue] == 1, TimeSpan.FromSeconds(30),
                "the follower alone on shards 0 and 1");
            // ... until a process started with 0 makes 0 the newest count again: the shards are leftovers, empty, and the
            // follower's endpoints on them stop; the single queue is bound again, by the topology job.
            await using (var zero = Start(shards: 0))
            {
                await FirstReadingAsync(zero);
                await Eventually.Get(() => ConsumersAsync(check), c => c[Shards[0]] == 0 && c[Shards[1]] == 0, TimeSpan.FromSeconds(90),
                    "the follower's shard endpoints stopped");
                Assert.True(await SingleQueueBoundAsync(), "the single queue is not bound with 0 in force");
                Assert.Equal("Healthy", (await IntakeCheckAsync(follower)).GetProperty("status").GetString());
            }
        }
        finally
        {
            await RestoreAsync();
        }
    }

    [Fact]
    public async Task A_shard_queue_holding_samples_with_no_consumer_turns_readiness_degraded_and_the_unconsumed_gauge_on_within_seconds()
    {
        await using var connection = await ConnectAsync();
        try
        {
            await using var app = Start(shards: 2);
            await FirstReadingAsync(app);
            await Eventually.Get(async () => (await IntakeCheckAsync(app)).GetProperty("status").GetString(), s => s == "Healthy", what: "intake-queues healthy");
            // Its consumers stop (the bus stops; the probe and the topology job go on), and samples arrive.
            await app.Services.GetRequiredService<IBusControl>().StopAsync();
            await PublishAsync(connection, StreamSamples("stranded", 200));
            var waiting = Stopwatch.StartNew();

            var check = await Eventually.Get(() => IntakeCheckAsync(app), c => c.GetProperty("status").GetString() == "Degraded",
                TimeSpan.FromSeconds(30), "readiness Degraded");
            output.WriteLine($"readiness Degraded {waiting.Elapsed.TotalSeconds:F1} s after the samples were published: {check.GetProperty("description").GetString()}");
            Assert.Contains("samples wait with no consumer: ", check.GetProperty("description").GetString(), StringComparison.Ordinal);
            Assert.Contains(AuditorTopology.ShardQueue(0), check.GetProperty("data").GetProperty("unconsumed").EnumerateArray().Select(q => q.GetString()));
            Assert.Equal(2, Gauge(app, "auditor.intake.unconsumed.queues").Single().Value);
        }
        finally
        {
            await RestoreAsync();
        }
    }

    // On a connection of its own: a test's first connection may have been closed by the broker.
    private static async Task RestoreAsync()
    {
        await using var connection = await ConnectAsync();
        await RestoreSingleQueueAsync(connection);
    }

    private AuditorApp Start(int shards) => StartServer(Database, shards);

    /// <summary>Consumers of the single queue and shard queues 0..Most-1, every process's (0 for a queue that does not exist).</summary>
    private static async Task<Dictionary<string, long>> ConsumersAsync(IConnection connection)
    {
        var consumers = new Dictionary<string, long>();
        foreach (var queue in Shards.Prepend(AuditorTopology.Queue))
        {
            await using var channel = await connection.CreateChannelAsync();
            try
            {
                consumers[queue] = (await channel.QueueDeclarePassiveAsync(queue)).ConsumerCount;
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
            {
                consumers[queue] = 0;
            }
        }
        return consumers;
    }

    /// <summary>Whether the auditor.samples exchange routes to the single queue, as the broker lists its bindings.</summary>
    private static async Task<bool> SingleQueueBoundAsync()
    {
        var lines = await Rabbitmqctl("list_bindings", "-p", VirtualHost, "--no-table-headers", "--silent", "source_name", "destination_name", "destination_kind");
        return lines.Split('\n').Select(l => l.Split('\t', StringSplitOptions.TrimEntries))
            .Any(b => b.Length == 3 && b[0] == AuditorTopology.Exchange && b[1] == AuditorTopology.Queue && b[2] == "queue");
    }

    /// <summary>The broker's names of this vhost's connections (client address and port to server address and port).</summary>
    private static async Task<HashSet<string>> ConnectionNamesAsync() =>
        [.. (await Rabbitmqctl("list_connections", "--no-table-headers", "--silent", "name", "vhost")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t', StringSplitOptions.TrimEntries)).Where(c => c.Length == 2 && c[1] == VirtualHost).Select(c => c[0])];

    private static string VirtualHost => Uri.UnescapeDataString(TestServers.RabbitMq.AbsolutePath.TrimStart('/')) is { Length: > 0 } v ? v : "/";

    private static async Task<string> Rabbitmqctl(params string[] args)
    {
        var start = new ProcessStartInfo("rabbitmqctl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("rabbitmqctl did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"rabbitmqctl {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}");
        return await stdout;
    }

    private static async Task<IConnection> ConnectAsync() =>
        await new ConnectionFactory { Uri = TestServers.RabbitMq, ClientProvidedName = "auditor-shard-follower-tests" }.CreateConnectionAsync();
}
