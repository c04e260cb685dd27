using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Auditor.Contracts;
using RabbitMQ.Client;

namespace Auditor.Client.Tests;

/// <summary>samples/python-pika, run with Debian's /usr/bin/python3 (python3-pika), as its README says.</summary>
public class PythonSampleTests
{
    private const string Python = "/usr/bin/python3";

    private static string Script
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Auditor.sln"))) dir = dir.Parent;
            Assert.True(dir is not null, "the repository root (Auditor.sln) was not found above the test binaries");
            return Path.Combine(dir!.FullName, "samples", "python-pika", "auditor_publish.py");
        }
    }

    private static async Task<string> RunAsync(string arguments, string? stdin = null)
    {
        Assert.True(File.Exists(Python), $"{Python} is needed by this test (Debian python3 with python3-pika).");
        var start = new ProcessStartInfo(Python, $"\"{Script}\" {arguments}")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(cts.Token);
        Assert.True(process.ExitCode == 0, $"python exited {process.ExitCode}: {await stderr}");
        return await stdout;
    }

    private static object Completion(string id, string? content, string? finishReason, int choices = 1) => new
    {
        request = new
        {
            model = "requested-model",
            max_tokens = 64,
            temperature = 0.2,
            messages = new[] { new { role = "user", content = "Say hi" } },
        },
        response = new
        {
            id,
            created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            model = "llama-3.1-8b-instruct",
            choices = Enumerable.Range(0, choices).Select(i => new { index = i, message = new { role = "assistant", content }, finish_reason = finishReason }),
            usage = new { prompt_tokens = 9, completion_tokens = 64 },
        },
        latency_ms = 812.5,
    };

    [Fact]
    public async Task Python_sample_routes_by_the_same_stream_key_as_the_dotnet_client()
    {
        Assert.True(File.Exists(Python), $"{Python} is needed by this test.");
        var streams = new[] { ("llama-3.1-8b-instruct", "chat/answer"), ("qwen2.5", "support/résumé ✓"), ("m", "") };
        var code = "import json, sys; sys.path.insert(0, sys.argv[1]); import auditor_publish as a; "
            + "print(json.dumps([a.stream_routing_key({'model': m, 'route': r}) for m, r in json.loads(sys.stdin.read())]))";
        var start = new ProcessStartInfo(Python) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(code);
        start.ArgumentList.Add(Path.GetDirectoryName(Script)!);
        start.StandardInputEncoding = new System.Text.UTF8Encoding(false);
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(System.Text.Json.JsonSerializer.Serialize(streams.Select(s => new[] { s.Item1, s.Item2 })));
        process.StandardInput.Close();
        var keys = System.Text.Json.JsonSerializer.Deserialize<string[]>(await process.StandardOutput.ReadToEndAsync())!;
        await process.WaitForExitAsync();

        Assert.Equal(streams.Select(s => AuditorTopology.StreamRoutingKey(s.Item1, s.Item2)), keys);
        Assert.Equal(3, keys.Distinct().Count());
    }

    [Fact]
    public async Task Python_sample_maps_openai_completions_onto_valid_contract_samples()
    {
        var input = string.Join('\n', new[]
        {
            Completion("cmpl-len", "Hello hello hello", "max_tokens"),
            Completion("cmpl-tool", null, "function_call"),
            Completion("cmpl-abort", "Hel", "abort"),
            Completion("cmpl-odd", "Hi!", "something_new"),
            Completion("cmpl-n2", "Hi!", "eos", choices: 2),
        }.Select(c => JsonSerializer.Serialize(c)));

        var lines = (await RunAsync("--dry-run --input - --route chat", input)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var samples = lines.Select(l => JsonSerializer.Deserialize<OutputSample>(l, OutputSampleJson.Options)!).ToDictionary(s => s.SampleId!);

        var validator = new OutputSampleValidator(TimeProvider.System);
        Assert.All(samples.Values, s => Assert.Empty(validator.Check(s)));
        Assert.Equal(6, samples.Count);

        var truncated = samples["cmpl-len-0"];
        Assert.Equal((FinishReasons.Length, 64, 64, 9, 812.5, "llama-3.1-8b-instruct", "chat", 1.0),
            (truncated.FinishReason, truncated.CompletionTokens, truncated.MaxTokens, truncated.PromptTokens, truncated.LatencyMs,
             truncated.Model, truncated.Route, truncated.SamplingRate));
        Assert.Equal("user: Say hi", truncated.Prompt);
        Assert.Equal(0.2, truncated.Params!["temperature"].GetDouble());
        Assert.Equal((FinishReasons.ToolCalls, ""), (samples["cmpl-tool-0"].FinishReason, samples["cmpl-tool-0"].Output));
        Assert.Equal(FinishReasons.Error, samples["cmpl-abort-0"].FinishReason);
        Assert.Equal(FinishReasons.Other, samples["cmpl-odd-0"].FinishReason);
        // Usage is per response: with two choices no per-choice token count can be given.
        Assert.All(new[] { samples["cmpl-n2-0"], samples["cmpl-n2-1"] }, s => Assert.Equal((FinishReasons.Stop, (int?)null), (s.FinishReason, s.CompletionTokens)));
    }

    [Fact]
    public async Task Python_sample_publishes_confirmed_persistent_raw_json_on_the_declared_topology()
    {
        var name = $"auditor.client-tests.py.{Guid.NewGuid():N}";
        IConnection connection;
        try
        {
            connection = await new ConnectionFactory { Uri = TestSamples.RabbitMq }.CreateConnectionAsync();
        }
        catch (Exception ex)
        {
            Assert.Fail(TestSamples.Missing("RabbitMQ", ex));
            throw;
        }
        await using var _ = connection;
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            var output = await RunAsync($"--url {TestSamples.RabbitMq} --exchange {name} --queue {name} --count 12");
            using var counters = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
            Assert.Equal(12, counters.RootElement.GetProperty("confirmed").GetInt32());

            var ids = new HashSet<string>();
            while (await channel.BasicGetAsync(name, autoAck: true) is { } message)
            {
                Assert.Equal("application/json", message.BasicProperties.ContentType);
                Assert.Equal(DeliveryModes.Persistent, message.BasicProperties.DeliveryMode);
                var sample = JsonSerializer.Deserialize<OutputSample>(Encoding.UTF8.GetString(message.Body.Span), OutputSampleJson.Options)!;
                Assert.True(ids.Add(sample.SampleId!), $"{sample.SampleId} arrived twice");
            }
            Assert.Equal(12, ids.Count);
            await channel.QueueDeclarePassiveAsync(name); // the script declared the quorum queue itself
        }
        finally
        {
            await channel.QueueDeleteAsync(name);
            await channel.ExchangeDeleteAsync(name);
        }
    }
}
