using System.CommandLine;

namespace Auditor.Cli.Bench;

/// <summary>
/// `auditor bench ingest --via rabbitmq|http|litellm|otlp|otlp-json --samples N`: publishes N samples to a running server and waits until the
/// server's store has counted them all, then prints end-to-end samples/s.
/// </summary>
public static class BenchIngestCommand
{
    public static Command Create()
    {
        var via = new Option<string>("--via")
        {
            Description = "rabbitmq (raw JSON on exchange auditor.samples), http (POST /api/v1/samples), litellm (POST /api/v1/ingest/litellm), otlp or otlp-json (POST /v1/traces, protobuf or JSON).",
            DefaultValueFactory = _ => "rabbitmq",
        };
        via.AcceptOnlyFromAmong("rabbitmq", "http", "litellm", "otlp", "otlp-json");
        var samples = BenchOptions.Samples(50_000);
        var size = BenchOptions.Size();
        var url = new Option<string>("--url") { Description = "Server base URL, for --via http.", DefaultValueFactory = _ => "http://localhost:5080" };
        var apiKey = new Option<string?>("--api-key") { Description = "Ingestion key, for --via http (default: Auditor__Ingest__ApiKeys__0)." };
        var timeout = new Option<int>("--timeout") { Description = "Give up after this many seconds.", DefaultValueFactory = _ => 600 };
        var command = new Command("ingest", "End-to-end ingestion throughput of a running server into its store.") { via, samples, size, url, apiKey, timeout };
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var configuration = CliConfiguration.Load();
            var benchmark = new IngestBenchmark(configuration, r.GetValue(samples), r.GetValue(size), TimeSpan.FromSeconds(r.GetValue(timeout)));
            var server = new Uri(r.GetValue(url)!);
            var key = r.GetValue(apiKey) ?? configuration["Auditor:Ingest:ApiKeys:0"] ?? "";
            var result = r.GetValue(via) switch
            {
                "http" => await benchmark.RunHttpAsync(server, key, ct),
                "litellm" => await benchmark.RunLiteLlmAsync(server, key, ct),
                "otlp" => await benchmark.RunOtlpAsync(server, key, protobuf: true, ct),
                "otlp-json" => await benchmark.RunOtlpAsync(server, key, protobuf: false, ct),
                _ => await benchmark.RunRabbitMqAsync(ct),
            };
            Console.WriteLine(result);
            return result.Complete ? 0 : 1;
        });
        return command;
    }
}
