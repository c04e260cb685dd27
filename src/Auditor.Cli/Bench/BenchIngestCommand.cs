using System.CommandLine;

namespace Auditor.Cli.Bench;

/// <summary>
/// `auditor bench ingest --via rabbitmq|http --samples N`: publishes N samples to a running server and waits until the
/// server's store has counted them all, then prints end-to-end samples/s.
/// </summary>
public static class BenchIngestCommand
{
    public static Command Create()
    {
        var via = new Option<string>("--via") { Description = "rabbitmq (raw JSON on exchange auditor.samples) or http (POST /api/v1/samples).", DefaultValueFactory = _ => "rabbitmq" };
        via.AcceptOnlyFromAmong("rabbitmq", "http");
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
            var result = r.GetValue(via) == "http"
                ? await benchmark.RunHttpAsync(new Uri(r.GetValue(url)!), r.GetValue(apiKey) ?? configuration["Auditor:Ingest:ApiKeys:0"] ?? "", ct)
                : await benchmark.RunRabbitMqAsync(ct);
            Console.WriteLine(result);
            return result.Complete ? 0 : 1;
        });
        return command;
    }
}
