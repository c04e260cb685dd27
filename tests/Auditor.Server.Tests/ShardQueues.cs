using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text;
using Auditor.Client;
using Auditor.Contracts;
using Auditor.Server.Auditing;
using Auditor.Testing;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Auditor.Server.Tests;

/// <summary>
/// What the shard-count tests do on the broker with nothing but RabbitMQ.Client: publish samples of many streams to
/// auditor.samples, read the depths of the single queue and the shard queues, and put back the single-queue topology
/// the other broker tests expect.
/// </summary>
internal static class ShardQueues
{
    /// <summary>The highest shard count the tests use: every shard queue up to it is read and cleaned up.</summary>
    public const int Most = 4;

    private const int Streams = 64;

    public static List<OutputSample> StreamSamples(string prefix, int n) =>
        Enumerable.Range(0, n).Select(i => TestSamples.Valid(id: $"{prefix}-{Guid.NewGuid():N}") with { Route = $"route-{i % Streams}" }).ToList();

    /// <summary>A server on the test broker and <paramref name="database"/> with Auditor__Transport__Shards = <paramref name="shards"/>, started.</summary>
    public static AuditorApp StartServer(PostgresTestDatabase database, int shards)
    {
        var app = AuditorApp.OnBrokerAndPostgres(database, new() { [IntakeShards.Key] = shards.ToString(CultureInfo.InvariantCulture) });
        _ = app.Server;
        return app;
    }

    /// <summary>Waits until the server's topology job has read the intake queues once.</summary>
    public static Task FirstReadingAsync(AuditorApp app) =>
        Eventually.Get(() => IntakeCheckAsync(app), c => c.GetProperty("data").GetProperty("readAt").GetString() != "never",
            TimeSpan.FromSeconds(60), "the topology job's first reading");

    /// <summary>The intake-queues check of GET /health/ready, as the server serialises it.</summary>
    public static async Task<JsonElement> IntakeCheckAsync(AuditorApp app)
    {
        using var response = await app.CreateClient().GetAsync("/health/ready");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks").GetProperty("intake-queues");
    }

    /// <summary>A plain AMQP publisher: the auditor.samples exchange, the stream's routing key, confirms, mandatory.</summary>
    public static async Task PublishAsync(IConnection connection, IEnumerable<OutputSample> samples)
    {
        await using var publish = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        foreach (var s in samples)
            await publish.BasicPublishAsync(AuditorTopology.Exchange, AuditorTopology.StreamRoutingKey(s.Model, s.Route), mandatory: true,
                AuditorTopology.JsonMessage(s.SampleId!), Encoding.UTF8.GetBytes(OutputSampleJson.Serialize(s)));
    }

    /// <summary>Ready messages of the single queue and shard queues 0..Most-1 (0 for one that does not exist).</summary>
    public static async Task<Dictionary<string, long>> DepthsAsync(IConnection connection)
    {
        var depths = new Dictionary<string, long>();
        foreach (var queue in new[] { AuditorTopology.Queue }.Concat(Enumerable.Range(0, Most).Select(AuditorTopology.ShardQueue)))
        {
            await using var channel = await connection.CreateChannelAsync();
            try
            {
                depths[queue] = (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
            }
            catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
            {
                depths[queue] = 0;
            }
        }
        return depths;
    }

    /// <summary>
    /// An observable gauge of one server, each measurement with its tags. Read from the server's own meter: two servers in
    /// one test process share OpenTelemetry's listener by meter name, so either /metrics would show both servers' series.
    /// </summary>
    public static List<(long Value, Dictionary<string, object?> Tags)> Gauge(AuditorApp app, string name)
    {
        var factory = app.Services.GetRequiredService<IMeterFactory>();
        var points = new List<(long, Dictionary<string, object?>)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name == name)
                    l.EnableMeasurementEvents(instrument);
            },
        };
        void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var copy = new Dictionary<string, object?>();
            foreach (var t in tags)
                copy[t.Key] = t.Value;
            points.Add((value, copy));
        }
        listener.SetMeasurementEventCallback<int>((_, value, tags, _) => Record(value, tags));
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) => Record(value, tags));
        listener.Start();
        listener.RecordObservableInstruments();
        return points;
    }

    /// <summary>Puts back the single-queue topology the other broker tests expect: no shard exchange, no shard queues.</summary>
    public static async Task RestoreSingleQueueAsync(IConnection connection)
    {
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeleteAsync(AuditorTopology.ShardExchange);
        for (var i = 0; i < Most; i++)
            await channel.QueueDeleteAsync(AuditorTopology.ShardQueue(i));
        await channel.QueuePurgeAsync(AuditorTopology.Queue);
        await AuditorTopology.DeclareAsync(channel);
    }
}
