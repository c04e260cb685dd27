using System.Text;
using System.Text.Json;
using Auditor.Contracts;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace Auditor.Client.Tests;

/// <summary>
/// Against the real local RabbitMQ, on an exchange and queue unique to each test (never the shared
/// <c>auditor.samples</c>), deleted at the end.
/// </summary>
public class RabbitMqPublishingTests(ITestOutputHelper output)
{
    private static async Task<IConnection> ConnectAsync()
    {
        try
        {
            return await new ConnectionFactory { Uri = TestSamples.RabbitMq }.CreateConnectionAsync();
        }
        catch (Exception ex)
        {
            Assert.Fail(TestSamples.Missing("RabbitMQ", ex));
            throw;
        }
    }

    [Fact]
    public async Task Awaits_confirms_and_every_sample_arrives_once_as_persistent_raw_json()
    {
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var name = $"auditor.client-tests.{Guid.NewGuid():N}";
        try
        {
            var samples = Enumerable.Range(0, 300).Select(i => TestSamples.Sample(i % 10 == 0 ? FinishReasons.Length : FinishReasons.Stop)).ToList();
            await using (var publisher = new AuditorPublisher(new AuditorPublisherOptions
            {
                RabbitMqUri = TestSamples.RabbitMq, Exchange = name, Queue = name, MaxBatchSize = 64,
            }))
            {
                // The publisher declares the topology itself before its first publish: the queue does not exist yet.
                foreach (var sample in samples) await publisher.PublishAsync(sample);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await publisher.FlushAsync(cts.Token);
                var counters = publisher.Counters.Snapshot();
                Assert.Equal(300, counters.Confirmed);
                Assert.Equal(300, counters.Published);
                Assert.Equal(0, counters.Unconfirmed + counters.Dropped + counters.InFlight);
            }

            var received = new List<(IReadOnlyBasicProperties Props, string Body)>();
            while (await channel.BasicGetAsync(name, autoAck: true) is { } message)
                received.Add((message.BasicProperties, Encoding.UTF8.GetString(message.Body.Span)));

            Assert.Equal(300, received.Count);
            Assert.All(received, m =>
            {
                Assert.Equal("application/json", m.Props.ContentType);
                Assert.Equal(DeliveryModes.Persistent, m.Props.DeliveryMode);
                using var doc = JsonDocument.Parse(m.Body); // raw JSON, not an envelope
                Assert.Equal(m.Props.MessageId, doc.RootElement.GetProperty("sampleId").GetString());
                Assert.Equal(1.0, doc.RootElement.GetProperty("samplingRate").GetDouble());
            });
            var bySampleId = received.Select(m => JsonSerializer.Deserialize<OutputSample>(m.Body, OutputSampleJson.Options)!)
                .ToDictionary(s => s.SampleId!); // throws on a duplicate
            Assert.Equal(samples.Select(s => s.SampleId).Order(), bySampleId.Keys.Order());
            var first = samples[0];
            Assert.Equal(first with { SamplingRate = 1.0 }, bySampleId[first.SampleId!] with { Params = null, Attributes = null });
        }
        finally
        {
            await channel.QueueDeleteAsync(name);
            await channel.ExchangeDeleteAsync(name);
        }
    }

    [Fact]
    public async Task Declares_a_durable_fanout_exchange_bound_to_a_durable_quorum_queue()
    {
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var name = $"auditor.client-tests.{Guid.NewGuid():N}";
        try
        {
            await AuditorTopology.DeclareAsync(channel, name, name);
            await AuditorTopology.DeclareAsync(channel, name, name); // idempotent

            // Passive declares fail (closing the channel) when the entity is missing; redeclaring with other
            // arguments fails with PRECONDITION_FAILED, so a classic queue under this name would be refused.
            await channel.ExchangeDeclarePassiveAsync(name);
            await channel.QueueDeclarePassiveAsync(name);
            await using var probe = await connection.CreateChannelAsync();
            await Assert.ThrowsAnyAsync<RabbitMQ.Client.Exceptions.OperationInterruptedException>(() =>
                probe.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false,
                    arguments: new Dictionary<string, object?> { ["x-queue-type"] = "classic" }));
        }
        finally
        {
            await channel.QueueDeleteAsync(name);
            await channel.ExchangeDeleteAsync(name);
        }
    }

    [Fact]
    public async Task Reconnects_after_the_connection_drops_and_delivers_every_sample()
    {
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var name = $"auditor.client-tests.{Guid.NewGuid():N}";
        await using var proxy = new TcpProxy(TestSamples.RabbitMq.Host, TestSamples.RabbitMq.Port);
        var viaProxy = new UriBuilder(TestSamples.RabbitMq) { Host = "127.0.0.1", Port = proxy.Port }.Uri;
        try
        {
            var samples = Enumerable.Range(0, 80).Select(_ => TestSamples.Sample()).ToList();
            await using (var publisher = new AuditorPublisher(new AuditorPublisherOptions
            {
                RabbitMqUri = viaProxy, Exchange = name, Queue = name, MaxBatchSize = 10,
                ConfirmTimeout = TimeSpan.FromSeconds(5), InitialRetryDelay = TimeSpan.FromMilliseconds(100),
                MaxRetryDelay = TimeSpan.FromSeconds(1),
            }))
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(45));
                foreach (var sample in samples.Take(40)) await publisher.PublishAsync(sample);
                await publisher.FlushAsync(cts.Token);

                proxy.Cut(); // what the client sees when the broker restarts
                foreach (var sample in samples.Skip(40)) await publisher.PublishAsync(sample);
                await publisher.FlushAsync(cts.Token);

                Assert.Equal(80, publisher.Counters.Confirmed);
                Assert.Equal(0, publisher.Counters.Dropped);
                output.WriteLine($"connections through the proxy: {proxy.Connections}; {publisher.Counters}");
                Assert.True(proxy.Connections >= 2, "the publisher should have reconnected through the proxy");
            }

            var ids = new HashSet<string?>();
            while (await channel.BasicGetAsync(name, autoAck: true) is { } message) ids.Add(message.BasicProperties.MessageId);
            // At least once: a sample whose confirm was lost may arrive twice, but none is missing.
            Assert.Equal(samples.Select(s => s.SampleId).Order(), ids.Order());
        }
        finally
        {
            await channel.QueueDeleteAsync(name);
            await channel.ExchangeDeleteAsync(name);
        }
    }
}
