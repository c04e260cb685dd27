using System.Diagnostics;
using Auditor.Client;
using Auditor.Testing;
using RabbitMQ.Client;
using Xunit.Abstractions;

using static Auditor.Server.Tests.ShardQueues;

namespace Auditor.Server.Tests;

/// <summary>
/// A rolling change of Auditor__Transport__Shards: two server processes on one database and broker, one started with 2
/// and, later, one with 4. The newest configuration wins (ADR 0014, addendum): the process still running 2 follows 4
/// instead of unbinding shards 2 and 3 at each of its steps, says so on readiness and /metrics, and the bindings stay
/// those of 4 after several of its steps, also once it runs alone. Bindings are checked as a publisher sees them, with
/// both servers stopped: where a plain AMQP publisher's samples land.
/// </summary>
public sealed class ShardCountTopologyAgreementTests(ITestOutputHelper output) : BrokerTest
{
    [Fact]
    public async Task A_process_still_running_2_shards_follows_the_newer_4_says_so_and_the_bindings_stay_those_of_4()
    {
        await using var connection = await new ConnectionFactory { Uri = TestServers.RabbitMq, ClientProvidedName = "auditor-shard-agreement-tests" }.CreateConnectionAsync();
        try
        {
            var older = Start(shards: 2);
            await using (older)
            {
                await FirstReadingAsync(older);
                var newer = Start(shards: 4);
                await using (newer)
                {
                    await FirstReadingAsync(newer);
                    var noticed = Stopwatch.StartNew();
                    // The older process reads the newest count within its next count check (every 5 s).
                    var degraded = await Eventually.Get(() => IntakeCheckAsync(older), c => c.GetProperty("status").GetString() == "Degraded",
                        TimeSpan.FromSeconds(90), "the older process to report the disagreement");
                    output.WriteLine($"the 2-shard process reported the newer 4 {noticed.Elapsed.TotalSeconds:F0} s after the 4-shard process read its queues");
                    Assert.Contains("Auditor__Transport__Shards is 2 here but the newest recorded shard count is 4", degraded.GetProperty("description").GetString(), StringComparison.Ordinal);
                    Assert.Equal(4, degraded.GetProperty("data").GetProperty("shards").GetProperty("bound").GetInt32());
                    Assert.Equal("Healthy", (await IntakeCheckAsync(newer)).GetProperty("status").GetString());
                    Assert.Equal([("configured", 2), ("newest", 4)], ShardGauge(older));
                    Assert.Equal([("configured", 4), ("newest", 4)], ShardGauge(newer));

                    // Samples published while both run are counted once; then several count checks of the older process
                    // (every 5 s) with the newer one still running.
                    var during = StreamSamples("during", 400);
                    await PublishAsync(connection, during);
                    await Eventually.Get(() => older.Database.CountedAsync(during.Select(s => s.SampleId!)), n => n == during.Count,
                        TimeSpan.FromSeconds(90), "the samples published during the change counted");
                    await Task.Delay(TimeSpan.FromSeconds(20));
                }
                // The older process alone for over a minute, so at least one whole step of its job (declare, unbind, read:
                // once a minute when nothing changes) ran: it keeps following 4, still saying it runs 2.
                await Task.Delay(TimeSpan.FromSeconds(65));
                Assert.Equal("Degraded", (await IntakeCheckAsync(older)).GetProperty("status").GetString());
            }

            await AssertRoutedToFourShardsAsync(connection);
        }
        finally
        {
            await RestoreSingleQueueAsync(connection);
        }
    }

    /// <summary>
    /// With every server stopped: samples of 64 streams land in shard queues 0..3 only, each of them used (a shard that a
    /// step of the older process unbound would receive nothing), none in the single queue.
    /// </summary>
    private async Task AssertRoutedToFourShardsAsync(IConnection connection)
    {
        var probe = StreamSamples("probe", 400);
        await PublishAsync(connection, probe);
        var depths = await DepthsAsync(connection);
        output.WriteLine("after both stopped: " + string.Join(", ", depths.Select(d => $"{d.Key}={d.Value}")));
        Assert.Equal(0, depths[AuditorTopology.Queue]);
        Assert.All(Enumerable.Range(0, Most), i => Assert.True(depths[AuditorTopology.ShardQueue(i)] > 0, $"shard-{i} received nothing: unbound"));
        Assert.Equal(probe.Count, Enumerable.Range(0, Most).Sum(i => depths[AuditorTopology.ShardQueue(i)]));
    }

    private AuditorApp Start(int shards) => StartServer(Database, shards);

    /// <summary>The auditor.intake.shards gauge of one server, by its config label.</summary>
    private static List<(string Config, int Value)> ShardGauge(AuditorApp app) =>
        [.. Gauge(app, "auditor.intake.shards").Select(p => ((string)p.Tags["config"]!, (int)p.Value)).Order()];
}
