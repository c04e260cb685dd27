using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Auditor.Cli.Ship;
using Auditor.Client;
using Auditor.Server.Ingestion.LiteLlm;
using Auditor.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Auditor.Cli.Tests;

/// <summary>
/// `auditor ship --format litellm|sglang` with the example logs under samples/ship-log, shipped to the real server on
/// a Kestrel port (every sample selected for review, so every one is stored and can be read back).
/// </summary>
public sealed class ShipFormatTests : IAsyncLifetime
{
    private const string ApiKey = "ship-format-test-key-0123"; // at least 16 characters, as the server requires of ingestion keys
    private const string Password = "ship-format-password";
    // The examples' times start at 2026-12-03T10:00:00Z; they are moved to the last hour so the contract's 30 days hold.
    private static readonly DateTimeOffset ExampleBase = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("auditor-ship-formats-").FullName;
    private readonly ServerOnKestrel _server = new();
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _client = new HttpClient { BaseAddress = new Uri(_server.BaseUrl) };
        _client.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"admin:{Password}")));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static string Example(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "samples", "ship-log", name);
            if (File.Exists(path))
                return path;
        }
        throw new FileNotFoundException($"samples/ship-log/{name} not found above {AppContext.BaseDirectory}");
    }

    // Copies an example log with its times moved by (an hour ago - 2026-12-03T10:00Z); lines that are not JSON stay as they are.
    private string Recent(string name)
    {
        var shift = DateTimeOffset.UtcNow.AddHours(-1) - ExampleBase;
        var lines = File.ReadAllLines(Example(name)).Select(line =>
        {
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(line);
            }
            catch (JsonException)
            {
                return line;
            }
            if (node is not JsonObject o)
                return line;
            foreach (var key in new[] { "startTime", "endTime", "completionStartTime" })
                if (o[key] is JsonValue v && v.TryGetValue<double>(out var seconds))
                    o[key] = seconds + shift.TotalSeconds;
            if (o["timestamp"] is JsonValue t && t.TryGetValue<string>(out var at))
                o["timestamp"] = DateTimeOffset.Parse(at, CultureInfo.InvariantCulture).Add(shift).ToString("O", CultureInfo.InvariantCulture);
            return o.ToJsonString();
        });
        var copy = Path.Combine(_dir, name);
        File.WriteAllLines(copy, lines);
        return copy;
    }

    private async Task<LogShipper> ShipAsync(string file, ILogLineMapper mapper)
    {
        var settings = new ShipSettings(file, false, file + ".checkpoint", file + ".rejects", new ChatLogMapping(null, null), mapper);
        await using var publisher = new AuditorPublisher(new AuditorPublisherOptions
        {
            HttpBaseAddress = new Uri(_server.BaseUrl), ApiKey = ApiKey, WhenBufferFull = BufferFullMode.Wait,
        });
        var shipper = new LogShipper(settings, publisher, TextWriter.Null);
        await shipper.RunAsync(default);
        return shipper;
    }

    private async Task<JsonElement> StoredAsync(string id) =>
        await Eventually.Get(async () =>
        {
            var response = await _client.GetAsync($"/api/v1/samples/{id}");
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
        }, e => e.ValueKind == JsonValueKind.Object, what: $"sample {id} to be stored");

    private static JsonElement Result(JsonElement stored, string detector) =>
        stored.GetProperty("detectorResults").EnumerateArray().Single(r => r.GetProperty("detector").GetString() == detector);

    [Fact]
    public async Task Ships_the_litellm_example_once_with_its_failure_counted_and_its_bad_line_rejected()
    {
        var file = Recent("litellm.jsonl");

        var first = await ShipAsync(file, new LiteLlmLogMapper(new LiteLlmOptions()));
        var again = await ShipAsync(file, new LiteLlmLogMapper(new LiteLlmOptions()));

        Assert.Equal((4, 1), (first.Shipped, first.Rejected));
        Assert.Equal((0, 0), (again.Shipped, again.Rejected)); // the checkpoint holds
        Assert.Contains("not valid JSON", File.ReadAllText(file + ".rejects"), StringComparison.Ordinal);
        var ok = await StoredAsync("chatcmpl-ll001");
        Assert.Equal("qwen2.5-7b", ok.GetProperty("model").GetString());
        Assert.Equal("support/answer", ok.GetProperty("route").GetString());
        Assert.Equal("vllm-a:8000", ok.GetProperty("deployment").GetString());
        Assert.Equal(300, ok.GetProperty("timeToFirstTokenMs").GetDouble(), 1.0);
        Assert.True(Result(await StoredAsync("chatcmpl-ll002"), "truncation").GetProperty("flagged").GetBoolean());
        Assert.True(Result(await StoredAsync("chatcmpl-ll003"), "degeneration").GetProperty("flagged").GetBoolean());
        var failed = await StoredAsync("chatcmpl-ll004");
        Assert.Equal("error", failed.GetProperty("finishReason").GetString());
        Assert.False(failed.GetProperty("outputCaptured").GetBoolean());
        Assert.True(Result(failed, "empty").GetProperty("abstained").GetBoolean());
    }

    [Fact]
    public async Task Ships_the_sglang_example_skipping_received_events_and_rejecting_a_record_without_out()
    {
        var file = Recent("sglang.jsonl");

        var first = await ShipAsync(file, new SgLangLogMapper("qwen2.5-7b", "sglang", "sglang-a"));
        var again = await ShipAsync(file, new SgLangLogMapper("qwen2.5-7b", "sglang", "sglang-a"));

        Assert.Equal((3, 1), (first.Shipped, first.Rejected));
        Assert.Equal((0, 0), (again.Shipped, again.Rejected));
        var ok = await StoredAsync("sg-001");
        Assert.Equal("qwen2.5-7b", ok.GetProperty("model").GetString());
        Assert.Equal("sglang", ok.GetProperty("route").GetString());
        Assert.Equal("sglang-a", ok.GetProperty("deployment").GetString());
        Assert.Equal("Summarise: the parcel was delivered to the neighbour.", ok.GetProperty("prompt").GetString());
        Assert.Equal("A neighbour took the parcel in.", ok.GetProperty("output").GetString());
        Assert.Equal("stop", ok.GetProperty("finishReason").GetString());
        Assert.Equal(12, ok.GetProperty("promptTokens").GetInt32());
        Assert.Equal(8, ok.GetProperty("completionTokens").GetInt32());
        Assert.Equal(128, ok.GetProperty("maxTokens").GetInt32());
        Assert.Equal(410, ok.GetProperty("latencyMs").GetDouble(), 0.001);
        Assert.Equal(0.7, ok.GetProperty("params").GetProperty("temperature").GetDouble());
        var cut = await StoredAsync("sg-002");
        Assert.Equal("length", cut.GetProperty("finishReason").GetString());
        Assert.True(Result(cut, "truncation").GetProperty("flagged").GetBoolean());
        Assert.True(Result(await StoredAsync("sg-003"), "degeneration").GetProperty("flagged").GetBoolean());
    }

    /// <summary>The real server on a free loopback port with a fresh SQLite file.</summary>
    private sealed class ServerOnKestrel : WebApplicationFactory<Auditor.Server.Ingestion.SampleIntake> // any type of the server assembly names its entry point (the Cli has a Program too)
    {
        private readonly string _file = Path.Combine(Path.GetTempPath(), $"auditor-ship-{Guid.NewGuid():N}.db");

        public ServerOnKestrel()
        {
            UseKestrel();
            StartServer();
        }

        public string BaseUrl => Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("urls", "http://127.0.0.1:0");
            builder.UseSetting("ConnectionStrings:Sqlite", $"Data Source={_file}");
            builder.UseSetting("Auditor:Ingest:ApiKeys:0", ApiKey);
            builder.UseSetting("AUDITOR_ADMIN_PASSWORD", Password);
            builder.UseSetting("Auditor:Review:UniformFraction", "1");
            builder.UseSetting("Auditor:Consumer:BatchTimeLimitMs", "50");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            TestDatabase.DeleteSqliteFiles(_file);
        }
    }
}
