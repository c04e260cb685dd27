using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Auditor.Client;
using Auditor.Server.Auditing;
using Auditor.Testing;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client.Exceptions;
using Xunit.Abstractions;

namespace Auditor.Server.Tests;

/// <summary>
/// The one broker connection the queue depth probe and the topology job share (<see cref="IntakeQueueReader"/>): the
/// broker closing it does not silence either, and the probe's reading through it still turns readiness red within
/// seconds of a stall. The broker drops the connection for real: declaring an exchange of a type it does not know is a
/// connection error (503 COMMAND_INVALID), the same one a missing consistent-hash plugin causes.
/// </summary>
public sealed class IntakeQueueReaderTests(ITestOutputHelper output) : BrokerTest
{
    private static Task DropConnectionAsync(IntakeQueueReader reader) =>
        reader.ChangeAsync((channel, ct) => channel.ExchangeDeclareAsync("auditor.tests.unknown-type", "x-no-such-exchange-type", durable: false, autoDelete: true, cancellationToken: ct), default);

    [Fact]
    public async Task Opens_another_connection_after_the_broker_closed_its_own_and_reads_on()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:RabbitMq"] = TestServers.RabbitMq.ToString() }).Build();
        await using var reader = new IntakeQueueReader(configuration, NullLogger<IntakeQueueReader>.Instance);
        await Publisher.PublishAsync(TestSamples.Valid());

        var before = await reader.ReadTopologyAsync(new IntakeShards(0), default);
        var refused = await Assert.ThrowsAsync<OperationInterruptedException>(() => DropConnectionAsync(reader));
        var after = await reader.ReadTopologyAsync(new IntakeShards(0), default);

        Assert.Equal((ushort)503, refused.ShutdownReason?.ReplyCode);
        Assert.Equal((AuditorTopology.Queue, 1L), (Assert.Single(before).Name, before[0].Ready));
        Assert.Equal((AuditorTopology.Queue, 1L), (Assert.Single(after).Name, after[0].Ready));
        Assert.Equal(2, reader.Opened);
    }

    [Fact]
    public async Task The_servers_probe_and_job_read_on_through_one_new_connection_after_the_broker_dropped_theirs()
    {
        await using var app = AuditorApp.OnBrokerAndPostgres(Database, new() { ["Auditor:Pipeline:QueueProbeSeconds"] = "1" });
        _ = app.Server;
        await Eventually.Get(() => IntakeCheckAsync(app), c => c.GetProperty("data").GetProperty("readAt").GetString() != "never",
            TimeSpan.FromSeconds(60), "the first reading of the intake queues");
        var reader = app.Services.GetRequiredService<IntakeQueueReader>();
        var opened = reader.Opened;

        await Assert.ThrowsAsync<OperationInterruptedException>(() => DropConnectionAsync(reader));
        var dropped = DateTimeOffset.UtcNow;
        // The topology job steps once a minute while all is well: a reading within seconds is the probe's.
        var sinceDrop = Stopwatch.StartNew();
        var after = await Eventually.Get(() => IntakeCheckAsync(app),
            c => DateTimeOffset.Parse(c.GetProperty("data").GetProperty("readAt").GetString()!, CultureInfo.InvariantCulture) > dropped,
            TimeSpan.FromSeconds(20), "a reading after the drop");
        output.WriteLine($"read again {sinceDrop.Elapsed.TotalSeconds:F1} s after the broker closed the connection (QueueProbeSeconds 1)");

        Assert.Equal("Healthy", after.GetProperty("status").GetString());
        Assert.Equal(opened + 1, reader.Opened); // one new connection, whichever of the two needed it first
        Assert.Empty(after.GetProperty("data").GetProperty("unconsumed").EnumerateArray());
    }

    [Fact]
    public async Task A_stalled_consumer_turns_readiness_red_within_seconds_and_the_queue_gauge_shows_what_waits_in_the_broker()
    {
        await using var app = AuditorApp.OnBrokerAndPostgres(Database, new()
        {
            ["Auditor:Pipeline:StallSeconds"] = "2",
            ["Auditor:Pipeline:QueueProbeSeconds"] = "1",
            // A small prefetch (10 x 1): most of the backlog stays ready in the queue, where only the probe sees it.
            ["Auditor:Consumer:BatchSize"] = "10",
            ["Auditor:Consumer:ConcurrentBatches"] = "1",
        });
        _ = app.Server;
        var warm = TestSamples.Valid();
        await Publisher.PublishAsync(warm);
        await Eventually.Get(() => app.Database.CountedAsync([warm.SampleId!]), n => n == 1, what: "the warm-up sample");
        var backlog = Enumerable.Range(0, 300).Select(_ => TestSamples.Valid()).ToList();

        TimeSpan toRed, toGauge;
        JsonElement red;
        await using (var locker = await app.Database.OpenAsync(default))
        {
            await using var lockTx = await locker.BeginTransactionAsync();
            await locker.ExecuteAsync("LOCK TABLE sample_ids IN ACCESS EXCLUSIVE MODE", transaction: lockTx); // every commit now waits
            var stall = Stopwatch.StartNew();
            foreach (var s in backlog)
                await Publisher.PublishAsync(s);
            red = await Eventually.Get(() => PipelineCheckAsync(app), c => c.GetProperty("status").GetString() == "Unhealthy",
                TimeSpan.FromSeconds(30), "readiness red on the stall");
            toRed = stall.Elapsed;
            await Eventually.Get(async () => QueueGauge(await app.CreateClient().GetStringAsync("/metrics")), v => v >= 200,
                TimeSpan.FromSeconds(20), "the queue gauge to show the backlog");
            toGauge = stall.Elapsed;
            await lockTx.RollbackAsync();
        }
        output.WriteLine($"stall to red {toRed.TotalSeconds:F1} s, to the queue gauge >= 200 {toGauge.TotalSeconds:F1} s (StallSeconds 2, QueueProbeSeconds 1)");

        Assert.Contains("stalled", red.GetProperty("data").GetProperty("findings").EnumerateArray().Select(f => f.GetString()));
        await Eventually.Get(() => app.Database.CountedAsync(backlog.Select(s => s.SampleId!)), n => n == backlog.Count,
            TimeSpan.FromSeconds(60), "the backlog counted after the stall");
        await Eventually.Get(() => PipelineCheckAsync(app), c => c.GetProperty("status").GetString() == "Healthy", TimeSpan.FromSeconds(30), "readiness green again");
    }

    private static async Task<JsonElement> ReadinessAsync(AuditorApp app)
    {
        using var response = await app.CreateClient().GetAsync("/health/ready");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<JsonElement> IntakeCheckAsync(AuditorApp app) => (await ReadinessAsync(app)).GetProperty("checks").GetProperty("intake-queues");

    private static async Task<JsonElement> PipelineCheckAsync(AuditorApp app) => (await ReadinessAsync(app)).GetProperty("checks").GetProperty("pipeline");

    /// <summary>auditor_pending_samples{place="queue"} in a Prometheus scrape, or -1 when absent.</summary>
    private static double QueueGauge(string exposition)
    {
        var line = exposition.Split('\n').FirstOrDefault(l => l.StartsWith("auditor_pending_samples{", StringComparison.Ordinal) && l.Contains("place=\"queue\"", StringComparison.Ordinal));
        return line is null ? -1 : double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
