using System.Diagnostics;
using Auditor.Client;
using Auditor.Server.Configuration;
using Auditor.Storage;
using Dapper;
using Microsoft.Extensions.Configuration;
using RabbitMQ.Client;

namespace Auditor.Cli.Bench;

/// <summary>
/// `auditor bench e2e`: N samples through the server's real topology (exchange and quorum queue auditor.samples) until
/// all are committed, and in the same run the broker-only ceiling. Publish-to-committed latency is measured two ways:
/// <list type="bullet">
/// <item>per sample: sample_ids.seen_at (the consumer's clock when it begins the batch's transaction) minus occurredAt
/// (stamped by the bench just before the publish): exact ids, but short of the commit by the transaction's duration;</item>
/// <item>in queue order: the bench polls the run's counter every 50 ms and takes the k-th committed sample to be the k-th
/// published: includes the commit, and up to 50 ms of polling; concurrent batches commit slightly out of order.</item>
/// </list>
/// Both run on one machine's clock.
/// </summary>
public sealed class EndToEndBenchmark(IConfiguration configuration, int samples, int size, double? rate, IReadOnlyList<int> serverPids, int ceilingRuns,
    int? brokerPid = null, int? postgresPid = null, int streams = 1)
{
    public async Task<int> RunAsync(TextWriter output, CancellationToken ct)
    {
        var runId = $"{DateTime.UtcNow:HHmmss}{Guid.NewGuid().ToString("N")[..4]}";
        var payloads = new SamplePayloads(runId, size, streams);
        var broker = new Uri(ConnectionStrings.RabbitMq(configuration));
        await using var database = CliConfiguration.OpenDatabase(configuration);
        var factory = new ConnectionFactory { Uri = broker, ClientProvidedName = "auditor-bench-e2e" };
        await using var connection = await factory.CreateConnectionAsync(ct);

        var shards = configuration.GetValue("Auditor:Transport:Shards", 0);
        var loadAtStart = Load();
        output.WriteLine($"bench e2e: {samples:N0} samples of {size:N0} B over {streams} stream(s){(rate is { } r ? $" at {r:N0}/s" : " at full speed")}, broker {broker.Host}:{broker.Port}, store {database.Kind}, "
            + $"{serverPids.Count} server process(es), Auditor__Transport__Shards {shards}; load {loadAtStart}");
        var clocks = Clocks();
        double? ceiling = null;
        var ceilings = new List<double>();
        for (var run = 1; run <= ceilingRuns; run++)
        {
            var before = Read(clocks);
            ceilings.Add(await BrokerCeiling.MeasureAsync(connection, samples, i => payloads.Body(i, DateTimeOffset.UtcNow), ct));
            output.WriteLine($"broker-only ceiling, run {run} of {ceilingRuns} (plain RabbitMQ.Client consumer, quorum queue, same publisher): {ceilings[^1]:N0} samples/s");
            WriteCpu(output, "broker-only run", clocks, before, Read(clocks));
        }
        if (ceilings.Count > 0)
        {
            ceiling = BenchStatistics.Median(ceilings);
            output.WriteLine($"broker-only ceiling: median {ceiling:N0} samples/s of {ceilings.Count} run(s) ({ceilings.Min():N0} to {ceilings.Max():N0})");
        }

        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true), ct);
        // A sharded server (Auditor__Transport__Shards) declared its topology and unbound the single queue: declaring the
        // single-queue binding again here would send every sample down both paths.
        if (shards == 0)
            await AuditorTopology.DeclareAsync(channel, ct);
        var cpuBefore = Read(clocks);
        var walBefore = await WalPositionAsync(database, ct);
        var clock = Stopwatch.StartNew();
        var publishedAt = new double[samples];
        var polls = new List<(double Ms, long Count)>();
        using var pollingStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var polling = PollAsync(database, payloads.Route, clock, polls, pollingStop.Token);
        var publishTime = await PacedPublisher.PublishAsync(channel, AuditorTopology.Exchange, payloads.RoutingKeyOf, samples, i =>
        {
            publishedAt[i] = clock.Elapsed.TotalMilliseconds;
            return payloads.Body(i, DateTimeOffset.UtcNow);
        }, rate, ct);
        output.WriteLine($"published and confirmed in {publishTime.TotalSeconds:F1} s ({samples / publishTime.TotalSeconds:N0}/s)");
        var committed = await polling;
        var cpuAfter = Read(clocks);
        var walAfter = await WalPositionAsync(database, ct);
        var total = polls[^1].Ms / 1000;
        var result = new List<string>
        {
            $"shards={shards}", $"servers={serverPids.Count}", $"samples={samples}", $"streams={streams}", $"size={size}", $"load_start={loadAtStart.Split(' ')[0]}",
            $"ceiling={Invariant(ceiling, "F0")}", $"ceilings={(ceilings.Count == 0 ? "none" : string.Join(',', ceilings.Select(c => Invariant(c, "F0"))))}", $"committed={committed}", $"seconds={Invariant(total, "F1")}",
        };
        if (committed < samples)
        {
            output.WriteLine($"only {committed:N0} of {samples:N0} committed within the time limit ({committed / total:N0}/s)");
            WriteCpu(output, "end-to-end run", clocks, cpuBefore, cpuAfter, result, Math.Max(1, committed));
            output.WriteLine("result: " + string.Join(' ', [.. result, $"rate={Invariant(committed / total, "F0")}", "complete=false", $"load_end={Load().Split(' ')[0]}"]));
            return 1;
        }
        var throughput = samples / total;
        output.WriteLine($"end to end: {samples:N0} committed {total:F1} s after the first publish: {throughput:N0} samples/s"
            + (ceiling is { } c ? $" ({throughput / c:P0} of the broker-only ceiling)" : ""));
        result.Add($"rate={Invariant(throughput, "F0")}");
        result.Add("complete=true");
        if (ceiling is { } ce)
            result.Add($"ratio={Invariant(throughput / ce, "F2")}");

        WriteCpu(output, "end-to-end run", clocks, cpuBefore, cpuAfter, result);
        if (walBefore is not null && walAfter is not null)
        {
            var walBytes = await WalBytesAsync(database, walAfter, walBefore, ct);
            output.WriteLine($"PostgreSQL WAL written during the run: {walBytes / 1048576.0:N1} MiB, {walBytes / (double)samples:N0} bytes per sample (pg_current_wal_lsn before and after)");
        }

        var queueOrder = QueueOrderLatencies(publishedAt, polls);
        output.WriteLine($"publish-to-committed, queue order (incl. commit, +<=50 ms polling): p50 {Percentile(queueOrder, 0.5):N0} ms, p99 {Percentile(queueOrder, 0.99):N0} ms, max {queueOrder[^1]:N0} ms");
        if (database.Kind == StoreKind.Postgres)
        {
            var perSample = await SeenLatenciesAsync(database, payloads.IdPrefix, ct);
            output.WriteLine($"publish-to-batch-start, per sample (seen_at - occurredAt, {perSample.Length:N0} ids): p50 {Percentile(perSample, 0.5):N0} ms, p99 {Percentile(perSample, 0.99):N0} ms, max {perSample[^1]:N0} ms");
        }
        foreach (var pid in serverPids.Where(p => File.Exists($"/proc/{p}/status")))
        {
            var status = File.ReadAllLines($"/proc/{pid}/status");
            string Field(string name) => status.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal))?[(name.Length + 1)..].Trim() ?? "?";
            output.WriteLine($"server process {pid}: resident {Field("VmRSS")}, peak resident {Field("VmHWM")}");
        }
        var loadAtEnd = Load();
        output.WriteLine($"load after the run: {loadAtEnd}");
        output.WriteLine("result: " + string.Join(' ', [.. result, $"load_end={loadAtEnd.Split(' ')[0]}"]));
        return 0;
    }

    private List<ProcessCpuClock> Clocks()
    {
        var clocks = new List<ProcessCpuClock> { new("bench", Environment.ProcessId, tree: false) };
        for (var i = 0; i < serverPids.Count; i++)
            clocks.Add(new ProcessCpuClock(serverPids.Count == 1 ? "server" : $"server{i + 1}", serverPids[i], tree: false));
        if (brokerPid is { } b)
            clocks.Add(new ProcessCpuClock("broker", b, tree: false));
        if (postgresPid is { } p)
            clocks.Add(new ProcessCpuClock("postgres", p, tree: true));
        return clocks.Where(c => c.Available).ToList();
    }

    private static (double?[] Cpu, long Ticks) Read(List<ProcessCpuClock> clocks) => ([.. clocks.Select(c => c.Read())], Stopwatch.GetTimestamp());

    // CPU seconds per process over a phase, and per 1,000 samples: what each core did, whatever the neighbours did.
    // With a result list, adds cpu_per_1000_<name>=seconds for each process (over the samples committed).
    private void WriteCpu(TextWriter output, string phase, List<ProcessCpuClock> clocks, (double?[] Cpu, long Ticks) before, (double?[] Cpu, long Ticks) after,
        List<string>? result = null, long? committed = null)
    {
        var per = (double)(committed ?? samples); // an incomplete run: per 1,000 of what was committed
        var wall = Stopwatch.GetElapsedTime(before.Ticks, after.Ticks).TotalSeconds;
        if (result is not null)
            for (var i = 0; i < clocks.Count; i++)
                if (after.Cpu[i] is { } a && before.Cpu[i] is { } b)
                    result.Add($"cpu_per_1000_{clocks[i].Name}={Invariant((a - b) * 1000 / per, "F3")}");
        var parts = clocks.Select((c, i) => after.Cpu[i] is { } a && before.Cpu[i] is { } b
            ? $"{c.Name} {a - b:F1} s ({(a - b) * 1000 / per:F3} s per 1,000 samples, {(a - b) / wall:P0} of a core)"
            : $"{c.Name} unreadable");
        output.WriteLine($"CPU during the {phase} ({wall:F1} s wall, load {Load()}): {string.Join("; ", parts)}");
    }

    private static async Task<string?> WalPositionAsync(AuditorDatabase database, CancellationToken ct)
    {
        if (database.Kind != StoreKind.Postgres)
            return null;
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteScalarAsync<string>(new CommandDefinition("SELECT pg_current_wal_lsn()::text", cancellationToken: ct));
    }

    private static async Task<long> WalBytesAsync(AuditorDatabase database, string after, string before, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT pg_wal_lsn_diff(@after::pg_lsn, @before::pg_lsn)::bigint", new { after, before }, cancellationToken: ct));
    }

    private async Task<long> PollAsync(AuditorDatabase database, string route, Stopwatch clock, List<(double, long)> polls, CancellationToken ct)
    {
        var deadline = TimeSpan.FromSeconds(Math.Max(120, samples / 500.0));
        long count = 0;
        await using var c = await database.OpenAsync(ct);
        while (count < samples && clock.Elapsed < deadline + (rate is { } r ? TimeSpan.FromSeconds(samples / r) : TimeSpan.Zero))
        {
            count = await c.ExecuteScalarAsync<long?>(new CommandDefinition(
                "SELECT SUM(total) FROM stream_hour_counters WHERE model = @model AND (route = @route OR route LIKE @routes)",
                new { model = SamplePayloads.Model, route, routes = route + "/%" }, cancellationToken: ct)) ?? 0;
            polls.Add((clock.Elapsed.TotalMilliseconds, count));
            if (count < samples)
                await Task.Delay(50, ct);
        }
        return count;
    }

    private static double[] QueueOrderLatencies(double[] publishedAt, List<(double Ms, long Count)> polls)
    {
        var latencies = new double[publishedAt.Length];
        var p = 0;
        for (var k = 0; k < publishedAt.Length; k++)
        {
            while (polls[p].Count <= k)
                p++;
            latencies[k] = Math.Max(0, polls[p].Ms - publishedAt[k]);
        }
        Array.Sort(latencies);
        return latencies;
    }

    private static async Task<double[]> SeenLatenciesAsync(AuditorDatabase database, string prefix, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var values = (await c.QueryAsync<double>(new CommandDefinition(
            "SELECT EXTRACT(EPOCH FROM (seen_at - occurred_at)) * 1000 FROM sample_ids WHERE sample_id >= @lo AND sample_id < @hi",
            new { lo = prefix, hi = prefix + "\uffff" }, cancellationToken: ct))).ToArray();
        Array.Sort(values);
        return values;
    }

    private static double Percentile(double[] sorted, double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    private static string Invariant(double? value, string format) => value is { } v ? v.ToString(format, System.Globalization.CultureInfo.InvariantCulture) : "none";

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
