using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Auditor.Client;
using Auditor.Contracts;
using Auditor.Server.Configuration;
using Auditor.Storage;
using Dapper;
using Microsoft.Extensions.Configuration;
using RabbitMQ.Client;

namespace Auditor.Cli.Bench;

/// <summary>What one ingestion run measured.</summary>
public sealed record IngestResult(string Via, int Samples, int SizeBytes, TimeSpan PublishTime, TimeSpan TotalTime, long Committed)
{
    public bool Complete => Committed >= Samples;

    public override string ToString() =>
        $"via {Via}: {Samples:N0} samples of {SizeBytes:N0} B; published in {PublishTime.TotalSeconds:F1} s ({Samples / PublishTime.TotalSeconds:N0}/s); " +
        (Complete
            ? $"all committed after {TotalTime.TotalSeconds:F1} s: {Samples / TotalTime.TotalSeconds:N0} samples/s end to end."
            : $"only {Committed:N0} committed before the timeout ({TotalTime.TotalSeconds:F0} s).");
}

/// <summary>
/// Sends a run of uniquely identified samples to a running server and watches its store until all are counted.
/// Each run uses its own route, so runs never count each other's samples.
/// </summary>
public sealed class IngestBenchmark(IConfiguration configuration, int samples, int size, TimeSpan timeout)
{
    private const string Model = "auditor-bench";
    private readonly string _route = $"bench/{DateTime.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N")[..6]}";

    public async Task<IngestResult> RunRabbitMqAsync(CancellationToken ct)
    {
        var broker = new Uri(ConnectionStrings.RabbitMq(configuration));
        var factory = new ConnectionFactory { Uri = broker, ClientProvidedName = "auditor-bench" };
        await using var connection = await factory.CreateConnectionAsync(ct);
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
        await AuditorTopology.DeclareAsync(channel, ct);

        return await MeasureAsync("rabbitmq", async () =>
        {
            foreach (var chunk in Generate().Chunk(1000))
            {
                // With confirmation tracking, each publish completes when the broker has confirmed it.
                var confirms = chunk.Select(s => channel.BasicPublishAsync(AuditorTopology.Exchange, "", false,
                    AuditorTopology.JsonMessage(s.SampleId!), Encoding.UTF8.GetBytes(OutputSampleJson.Serialize(s)), ct).AsTask());
                await Task.WhenAll(confirms);
            }
        }, ct);
    }

    public async Task<IngestResult> RunHttpAsync(Uri server, string apiKey, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return await MeasureAsync("http", async () =>
        {
            await Parallel.ForEachAsync(Generate().Chunk(500), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (chunk, token) =>
            {
                var body = new StringContent(System.Text.Json.JsonSerializer.Serialize(chunk, OutputSampleJson.Options), Encoding.UTF8);
                body.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await http.PostAsync("/api/v1/samples", body, token);
                if (!response.IsSuccessStatusCode)
                    throw new InvalidOperationException($"POST /api/v1/samples answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(token)}");
            });
        }, ct);
    }

    /// <summary>POST /api/v1/ingest/litellm: the same samples as LiteLLM StandardLoggingPayload records, 500 a request.</summary>
    public Task<IngestResult> RunLiteLlmAsync(Uri server, string apiKey, CancellationToken ct) =>
        PostAllAsync(server, apiKey, "litellm", "/api/v1/ingest/litellm", "application/json",
            chunk => Encoding.UTF8.GetBytes(new System.Text.Json.Nodes.JsonArray(chunk.Select(s => (System.Text.Json.Nodes.JsonNode?)IntakePayloads.LiteLlmRecord(s)).ToArray()).ToJsonString()), ct);

    /// <summary>POST /v1/traces: the same samples as GenAI spans with content, 500 a request, protobuf or JSON.</summary>
    public Task<IngestResult> RunOtlpAsync(Uri server, string apiKey, bool protobuf, CancellationToken ct) =>
        PostAllAsync(server, apiKey, protobuf ? "otlp" : "otlp-json", "/v1/traces", protobuf ? "application/x-protobuf" : "application/json",
            chunk => protobuf ? IntakePayloads.OtlpProtobuf(chunk) : IntakePayloads.OtlpJson(chunk), ct);

    private async Task<IngestResult> PostAllAsync(Uri server, string apiKey, string via, string path, string contentType,
        Func<OutputSample[], byte[]> encode, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return await MeasureAsync(via, async () =>
        {
            await Parallel.ForEachAsync(Generate().Chunk(500), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (chunk, token) =>
            {
                var body = new ByteArrayContent(encode(chunk));
                body.Headers.ContentType = new MediaTypeHeaderValue(contentType);
                using var response = await http.PostAsync(path, body, token);
                if (!response.IsSuccessStatusCode)
                    throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(token)}");
            });
        }, ct);
    }

    private async Task<IngestResult> MeasureAsync(string via, Func<Task> publish, CancellationToken ct)
    {
        await using var database = CliConfiguration.OpenDatabase(configuration);
        Console.Error.WriteLine($"sending {samples:N0} samples via {via} on route {_route}; counting in {database.Kind}");
        var clock = Stopwatch.StartNew();
        await publish();
        var published = clock.Elapsed;
        long committed = 0;
        var lastReport = TimeSpan.Zero;
        while (clock.Elapsed < timeout)
        {
            committed = await CountAsync(database, ct);
            if (committed >= samples)
                break;
            if (clock.Elapsed - lastReport > TimeSpan.FromSeconds(2))
            {
                Console.Error.WriteLine($"  {committed:N0} of {samples:N0} committed after {clock.Elapsed.TotalSeconds:F0} s");
                lastReport = clock.Elapsed;
            }
            await Task.Delay(50, ct);
        }
        return new IngestResult(via, samples, size, published, clock.Elapsed, committed);
    }

    private async Task<long> CountAsync(AuditorDatabase database, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT SUM(total) FROM stream_hour_counters WHERE model = @Model AND route = @route", new { Model, route = _route }, cancellationToken: ct)) ?? 0;
    }

    private static readonly string[] Words =
        ["the", "cache", "model", "request", "answer", "token", "latency", "user", "server", "queue", "report", "value", "change",
         "deploy", "check", "result", "because", "after", "before", "which", "would", "should", "system", "output", "reason", "first",
         "second", "then", "while", "every", "customer", "account", "setting", "update", "version", "error", "response", "shows"];

    /// <summary>Varied word salad of the requested size: no loops, so detectors judge it as ordinary text.</summary>
    private IEnumerable<OutputSample> Generate()
    {
        var random = new Random(42);
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < samples; i++)
        {
            var text = new StringBuilder(size + 16);
            while (text.Length < size)
                text.Append(Words[random.Next(Words.Length)]).Append(random.Next(12) == 0 ? ". " : " ");
            yield return new OutputSample
            {
                SampleId = $"{_route}/{i}",
                OccurredAt = now,
                Model = Model,
                Route = _route,
                Output = text.ToString(0, size),
                FinishReason = FinishReasons.Stop,
                CompletionTokens = size / 4,
                MaxTokens = 4096,
            };
        }
    }
}
