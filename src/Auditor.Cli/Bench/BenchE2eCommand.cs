using System.CommandLine;

namespace Auditor.Cli.Bench;

/// <summary>
/// `auditor bench e2e --samples N [--size BYTES] [--rate R] [--server-pid PID ...] [--broker-pid PID] [--postgres-pid PID]
/// [--ceiling-runs K | --no-ceiling]`: end-to-end samples/s and publish-to-committed latency through the server's real
/// RabbitMQ topology, beside the broker-only ceiling (the median of K runs: one run scatters by a third on a shared
/// machine); CPU seconds per 1,000 samples of each process given (every server process, when several consume the same
/// broker and database), PostgreSQL WAL bytes per sample, and a last `result:` line of key=value pairs for scripts.
/// Reads ConnectionStrings__RabbitMq and the store settings of the server it measures.
/// </summary>
public static class BenchE2eCommand
{
    public static Command Create()
    {
        var samples = BenchOptions.Samples(100_000, "How many samples (1 to 10,000,000).");
        var size = BenchOptions.Size();
        var rate = new Option<double?>("--rate") { Description = "Publish at this many samples/s (default: as fast as confirms allow)." };
        var serverPid = new Option<int[]>("--server-pid")
        {
            Description = "The server's process id, to report its CPU time and resident memory; repeat it for every server process consuming the same queues.",
            AllowMultipleArgumentsPerToken = true,
        };
        var brokerPid = new Option<int?>("--broker-pid") { Description = "The broker's process id (beam.smp), to report its CPU time." };
        var postgresPid = new Option<int?>("--postgres-pid") { Description = "The PostgreSQL postmaster's process id, to report the CPU time of it and its backends." };
        var noCeiling = new Option<bool>("--no-ceiling") { Description = "Skip the broker-only run." };
        var ceilingRuns = new Option<int>("--ceiling-runs")
        {
            Description = "Broker-only runs before the end-to-end run (1 to 9); the ratio is taken to their median.",
            DefaultValueFactory = _ => 3,
        };
        var streams = new Option<int>("--streams") { Description = "Spread the samples over this many streams (routes), each with its stream routing key.", DefaultValueFactory = _ => 1 };
        var command = new Command("e2e", "End-to-end throughput and latency through RabbitMQ into the store, with the broker-only ceiling.") { samples, size, rate, serverPid, brokerPid, postgresPid, noCeiling, ceilingRuns, streams };
        command.Validators.Add(r =>
        {
            if (r.GetValue(rate) is <= 0)
                r.AddError("--rate must be positive.");
            if (r.GetValue(serverPid) is { } pids && pids.Any(p => p <= 0))
                r.AddError("--server-pid must be a process id (a positive number).");
        });
        // An option's own validator runs on a given value only; in the command's validator an option left at its default
        // reads 0, which refused every run without --streams.
        streams.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 10_000)
                r.AddError("--streams must be between 1 and 10000.");
        });
        ceilingRuns.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 9)
                r.AddError("--ceiling-runs must be between 1 and 9.");
        });
        command.SetAction((ParseResult r, CancellationToken ct) =>
            new EndToEndBenchmark(CliConfiguration.Load(), r.GetValue(samples), r.GetValue(size), r.GetValue(rate), r.GetValue(serverPid) ?? [], r.GetValue(noCeiling) ? 0 : r.GetValue(ceilingRuns),
                r.GetValue(brokerPid), r.GetValue(postgresPid), r.GetValue(streams))
                .RunAsync(Console.Out, ct));
        return command;
    }
}
