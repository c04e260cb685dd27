using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Auditor.Contracts;

namespace Auditor.Client.Tests;

public class HttpTransportTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private static AuditorPublisherOptions Options(Uri server, int batch = 5, string key = FakeAuditorServer.ApiKey) => new()
    {
        HttpBaseAddress = server,
        ApiKey = key,
        MaxBatchSize = batch,
        InitialRetryDelay = TimeSpan.FromMilliseconds(50),
        MaxRetryDelay = TimeSpan.FromMilliseconds(200),
    };

    private static async Task FlushAsync(AuditorPublisher publisher)
    {
        using var cts = new CancellationTokenSource(Bound);
        await publisher.FlushAsync(cts.Token);
    }

    [Fact]
    public async Task Posts_json_arrays_with_the_api_key_and_reports_each_rejection()
    {
        await using var server = await FakeAuditorServer.StartAsync();
        var rejections = new ConcurrentBag<SampleRejection>();
        var options = Options(server.BaseAddress);
        options.OnRejected = rejections.Add;
        var samples = Enumerable.Range(0, 10).Select(i => TestSamples.Sample(output: i % 4 == 1 ? "REJECT ME" : $"answer {i}")).ToList();
        await using (var publisher = new AuditorPublisher(options))
        {
            foreach (var sample in samples) await publisher.PublishAsync(sample);
            await FlushAsync(publisher);
            Assert.Equal(7, publisher.Counters.Confirmed);
            Assert.Equal(3, publisher.Counters.Rejected);
        }

        Assert.All(server.Requests, r =>
        {
            Assert.StartsWith("application/json", r.ContentType, StringComparison.Ordinal);
            Assert.Equal(JsonValueKind.Array, r.Body.ValueKind);
            Assert.InRange(r.Body.GetArrayLength(), 1, 5);
        });
        Assert.Equal(10, server.Requests.Sum(r => r.Body.GetArrayLength()));
        var rejectedIds = samples.Where(s => s.Output == "REJECT ME").Select(s => s.SampleId).Order().ToList();
        Assert.Equal(rejectedIds, rejections.Select(r => r.SampleId).Order().ToList());
        Assert.All(rejections, r => Assert.Equal("test.reject", Assert.Single(r.Errors).Rule));
    }

    [Fact]
    public async Task Splits_a_batch_answered_413_until_each_part_is_accepted()
    {
        await using var server = await FakeAuditorServer.StartAsync(maxSamplesPerRequest: 3);
        var samples = Enumerable.Range(0, 20).Select(_ => TestSamples.Sample()).ToList();
        await using (var publisher = new AuditorPublisher(Options(server.BaseAddress, batch: 20)))
        {
            foreach (var sample in samples) await publisher.PublishAsync(sample);
            await FlushAsync(publisher);
            Assert.Equal(20, publisher.Counters.Confirmed);
            Assert.Equal(0, publisher.Counters.Dropped + publisher.Counters.Rejected);
        }
        Assert.Equal(samples.Select(s => s.SampleId!).Order(), server.AcceptedIds.Order());
        Assert.Contains(server.Requests, r => r.Body.GetArrayLength() > 3);
    }

    [Fact]
    public async Task Retries_with_backoff_after_5xx_answers()
    {
        await using var server = await FakeAuditorServer.StartAsync(failFirst: 2);
        var problems = new ConcurrentBag<DeliveryProblem>();
        var options = Options(server.BaseAddress, batch: 10);
        options.OnDeliveryProblem = problems.Add;
        await using var publisher = new AuditorPublisher(options);
        for (var i = 0; i < 4; i++) await publisher.PublishAsync(TestSamples.Sample());
        await FlushAsync(publisher);
        Assert.Equal(4, publisher.Counters.Confirmed);
        Assert.True(publisher.Counters.Unconfirmed >= 8, $"two failed attempts of 4 samples each, got {publisher.Counters.Unconfirmed}");
        Assert.Contains(problems, p => p.Reason.Contains("503", StringComparison.Ordinal));
        Assert.Equal(4, server.AcceptedIds.Count);
    }

    [Fact]
    public async Task Retries_after_connection_errors_until_the_server_answers()
    {
        var port = FreePort();
        var options = Options(new Uri($"http://127.0.0.1:{port}/"), batch: 10);
        await using var publisher = new AuditorPublisher(options);
        for (var i = 0; i < 3; i++) await publisher.PublishAsync(TestSamples.Sample());
        await Task.Delay(400);
        Assert.Equal(0, publisher.Counters.Confirmed);
        Assert.True(publisher.Counters.Unconfirmed >= 3, "attempts against a closed port are counted unconfirmed");

        await using var server = await FakeAuditorServer.StartAsync(port);
        await FlushAsync(publisher);
        Assert.Equal(3, publisher.Counters.Confirmed);
    }

    [Fact]
    public async Task Gives_up_on_an_unauthorized_answer_and_counts_the_samples_dropped()
    {
        await using var server = await FakeAuditorServer.StartAsync();
        var problems = new ConcurrentBag<DeliveryProblem>();
        var options = Options(server.BaseAddress, key: "wrong-key");
        options.OnDeliveryProblem = problems.Add;
        await using var publisher = new AuditorPublisher(options);
        for (var i = 0; i < 3; i++) await publisher.PublishAsync(TestSamples.Sample());
        await FlushAsync(publisher);
        Assert.Equal(3, publisher.Counters.DroppedUndeliverable);
        Assert.Contains(problems, p => p.Reason.Contains("401", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Falls_back_to_http_when_the_broker_cannot_be_reached()
    {
        await using var server = await FakeAuditorServer.StartAsync();
        var options = Options(server.BaseAddress);
        options.RabbitMqUri = new Uri($"amqp://guest:guest@127.0.0.1:{FreePort()}/");
        options.Exchange = options.Queue = "auditor.client-tests.never-used";
        var problems = new ConcurrentBag<DeliveryProblem>();
        options.OnDeliveryProblem = problems.Add;
        await using var publisher = new AuditorPublisher(options);
        for (var i = 0; i < 6; i++) await publisher.PublishAsync(TestSamples.Sample(FinishReasons.Stop));
        await FlushAsync(publisher);
        Assert.Equal(6, publisher.Counters.Confirmed);
        Assert.Equal(6, server.AcceptedIds.Count);
        Assert.Contains(problems, p => p.Transport == "rabbitmq");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
