using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Auditor.Review.Reports;
using Auditor.Storage;
using Auditor.Storage.Incidents;
using Auditor.Storage.Reports;
using Auditor.Storage.Review;
using Auditor.Storage.Streams;
using Dapper;
using Npgsql;

namespace Auditor.Cli.Bench;

/// <summary>
/// <c>auditor bench report --streams N</c>: seeds a scratch PostgreSQL database (created beside the one
/// ConnectionStrings__Postgres names, dropped afterwards) with N streams over eight weeks of hour counters and review
/// items (and the weekly aggregates and review tallies the writers keep beside them), then times the week's report reads
/// and build, and the streams page's reads, first as before migrations 0015 and 0016 (hour counters, review items and
/// verdicts one by one), then from the weekly aggregates and review tallies. Times are wall time of the reads on this
/// client (an upper bound of the database time), the median of --runs runs.
/// </summary>
public static class BenchReportCommand
{
    public static Command Create()
    {
        var streams = new Option<int>("--streams") { Description = "Streams to seed.", DefaultValueFactory = _ => 1000 };
        var reviewed = new Option<int>("--reviewed") { Description = "Reviewed items per stream and week.", DefaultValueFactory = _ => 20 };
        var runs = new Option<int>("--runs") { Description = "Timed runs per measurement (the median is printed).", DefaultValueFactory = _ => 5 };
        var whole = new Option<bool>("--whole-build") { Description = "Also time one whole report build (reads and estimation: minutes at 1,000 streams)." };
        var afterOnly = new Option<bool>("--after-only") { Description = "Time only the reads from the weekly aggregates and review tallies (the hour counters' reads take minutes at 1,000 streams)." };
        var keep = new Option<bool>("--keep") { Description = "Keep the seeded database (its name is printed) for EXPLAIN ANALYZE; drop it yourself." };
        var command = new Command("report", "Weekly report and streams page cost from hour counters and items, and from weekly aggregates and tallies.") { streams, reviewed, runs, whole, afterOnly, keep };
        command.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var admin = Environment.GetEnvironmentVariable("ConnectionStrings__Postgres") is { Length: > 0 } s ? s : "Host=127.0.0.1;Database=auditor;Username=auditor;Password=auditor";
            await RunAsync(admin, pr.GetValue(streams), pr.GetValue(reviewed), pr.GetValue(runs), pr.GetValue(whole), pr.GetValue(afterOnly), pr.GetValue(keep), ct);
            return 0;
        });
        return command;
    }

    private static async Task RunAsync(string admin, int streams, int reviewed, int runs, bool whole, bool afterOnly, bool keep, CancellationToken ct)
    {
        var name = "auditor_bench_report_" + Guid.NewGuid().ToString("N")[..8];
        await using (var c = new NpgsqlConnection(admin))
        {
            await c.OpenAsync(ct);
            await c.ExecuteAsync($"CREATE DATABASE {name}");
        }
        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ToString();
        try
        {
            await using var database = AuditorDatabase.Create(StoreKind.Postgres, connectionString);
            await database.MigrateAsync(ct);
            var week = IsoWeek.Parse("2026-W47");
            var first = week.Minus(WeeklyReportBuilder.TrendWeeks - 1).StartUtc;
            var seed = Stopwatch.StartNew();
            await SeedAsync(database, streams, reviewed, first, week.EndUtc, ct);
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "seeded {0} streams x {1} weeks (hour counters, {2} reviewed items per stream-week) in {3:0.0} s",
                streams, WeeklyReportBuilder.TrendWeeks, reviewed, seed.Elapsed.TotalSeconds));
            var clock = new FixedClock(week.EndUtc.AddDays(1));
            foreach (var weekly in afterOnly ? [true] : new[] { false, true })
            {
                var reader = new ReportDataReader(database, weekly);
                var loader = new WeeklyReportLoader(reader, new IncidentStore(database, clock), clock, readTallies: weekly);
                await MeasureAsync(admin, name, weekly ? "weekly aggregates" : "hour counters", reader, loader, new IncidentStore(database, clock), new StreamSummaryReader(database, weekly), week, first, runs, whole, ct);
            }
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            if (keep)
            {
                Console.WriteLine($"kept database {name}");
            }
            else
            {
                await using var c = new NpgsqlConnection(admin);
                await c.OpenAsync(CancellationToken.None);
                await c.ExecuteAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            }
        }
    }

    private static async Task MeasureAsync(string admin, string name, string label, ReportDataReader reader, WeeklyReportLoader loader, IncidentStore incidents, StreamSummaryReader summaries,
        IsoWeek week, DateTimeOffset first, int runs, bool whole, CancellationToken ct)
    {
        // Each read's database CPU over its timed runs, per run (10 ms ticks: use more --runs for reads of a few ms).
        var readCpu = new List<string>();
        async Task<double> Median(string what, Func<Task> read)
        {
            await read(); // warm: plans cached, pages in memory, as on a server that answers often
            var times = new List<double>();
            var cpu = await BackendCpuSecondsAsync(admin, name, ct);
            for (var i = 0; i < runs; i++)
            {
                var watch = Stopwatch.StartNew();
                await read();
                times.Add(watch.Elapsed.TotalMilliseconds);
            }
            readCpu.Add(string.Format(CultureInfo.InvariantCulture, "{0} {1:0}", what, (await BackendCpuSecondsAsync(admin, name, ct) - cpu) * 1000 / runs));
            return BenchStatistics.Median(times);
        }

        var counts = await Median("counts", () => reader.CountsAsync(first, week.EndUtc, ct));
        var deployments = await Median("deployment counts", () => reader.DeploymentCountsAsync(week.Minus(1).StartUtc, week.EndUtc, ct));
        // The review reads of each path: items, verdicts, gold verdicts and examples one by one before; the item tallies,
        // the reviewer agreement and accuracy tallies, and the examples chosen in the database after (what WeeklyReportLoader reads).
        var tallies = reader.ReadsWeeklyAggregates;
        double reviews, verdicts = double.NaN, examples, gold = double.NaN;
        if (tallies)
        {
            reviews = await Median("review tallies", () => reader.ReviewTalliesAsync(first, week.EndUtc, ct));
            verdicts = await Median("reviewer tallies", () => reader.ReviewerTalliesAsync(first, week.StartUtc, week.EndUtc, ct));
            examples = await Median("examples", () => reader.SettledExamplesAsync(week.StartUtc, week.EndUtc, WeeklyReportBuilder.ExamplesPerStream, ct));
        }
        else
        {
            reviews = await Median("items and verdicts", () => reader.ReviewsAsync(first, week.EndUtc, ct));
            var read = await reader.ReviewsAsync(first, week.EndUtc, ct);
            examples = await Median("examples", () => reader.ExamplesAsync(read, week.StartUtc, week.EndUtc, WeeklyReportBuilder.ExamplesPerStream, ct));
            gold = await Median("gold", () => reader.GoldAsync(first, week.EndUtc, ct));
        }
        var incidentRead = await Median("incidents", () => incidents.ForRangeAsync(week.StartUtc, week.EndUtc, ct));
        var allReads = counts + deployments + reviews + (double.IsNaN(verdicts) ? 0 : verdicts) + examples + (double.IsNaN(gold) ? 0 : gold) + incidentRead;
        // Database time without the machine's queueing: CPU seconds of this database's backends (utime + stime from
        // /proc, 10 ms ticks) over --runs rounds of every read the report makes, per round.
        async Task EveryReadAsync()
        {
            await reader.CountsAsync(first, week.EndUtc, ct);
            await reader.DeploymentCountsAsync(week.Minus(1).StartUtc, week.EndUtc, ct);
            if (tallies)
            {
                await reader.ReviewTalliesAsync(first, week.EndUtc, ct);
                await reader.ReviewerTalliesAsync(first, week.StartUtc, week.EndUtc, ct);
                await reader.SettledExamplesAsync(week.StartUtc, week.EndUtc, WeeklyReportBuilder.ExamplesPerStream, ct);
            }
            else
            {
                var read = await reader.ReviewsAsync(first, week.EndUtc, ct);
                await reader.ExamplesAsync(read, week.StartUtc, week.EndUtc, WeeklyReportBuilder.ExamplesPerStream, ct);
                await reader.GoldAsync(first, week.EndUtc, ct);
            }
            await incidents.ForRangeAsync(week.StartUtc, week.EndUtc, ct);
        }
        var cpuBefore = await BackendCpuSecondsAsync(admin, name, ct);
        for (var i = 0; i < runs; i++)
            await EveryReadAsync();
        var databaseCpu = (await BackendCpuSecondsAsync(admin, name, ct) - cpuBefore) * 1000 / runs;
        // The whole build (reads and estimation, 10,000 posterior draws per cell) once: at 1,000 streams it takes minutes.
        var report = whole ? (await loader.BuildAsync(week, ReportLinks.Default, ct)).Elapsed.TotalMilliseconds : double.NaN;
        var streamsWeek = await Median("streams page, week", () => summaries.ListAsync(week.StartUtc, week.EndUtc, ct));
        var streamsAll = await Median("streams page, 8 weeks", () => summaries.ListAsync(first, week.EndUtc, ct));
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
            "{0,-18} counts {1,8:0.0} ms | deployment counts {2,8:0.0} ms | {3} {4,8:0.0} ms | reviewer tallies {5,8:0.0} ms | examples {6,8:0.0} ms | gold {7,6:0.0} ms | incidents {8,6:0.0} ms | every report read {9,8:0.0} ms (database CPU {13,6:0} ms) | streams page, week {10,8:0.0} ms, 8 weeks {11,8:0.0} ms | whole report build (once) {12,8:0.0} ms",
            label, counts, deployments, tallies ? "review tallies" : "review items and verdicts", reviews, verdicts, examples, gold, incidentRead, allReads, streamsWeek, streamsAll, report, databaseCpu));
        Console.WriteLine($"{label,-18} database CPU per read, ms: {string.Join(" | ", readCpu)}");
    }

    // CPU seconds used so far by the backends connected to the database (pg_stat_activity; /proc/PID/stat fields 14
    // and 15 in clock ticks of 1/100 s). PostgreSQL must run on this machine.
    private static async Task<double> BackendCpuSecondsAsync(string admin, string database, CancellationToken ct)
    {
        await using var c = new NpgsqlConnection(admin);
        await c.OpenAsync(ct);
        var pids = await c.QueryAsync<int>(new CommandDefinition("SELECT pid FROM pg_stat_activity WHERE datname = @database", new { database }, cancellationToken: ct));
        double ticks = 0;
        foreach (var pid in pids)
        {
            try
            {
                var stat = await File.ReadAllTextAsync($"/proc/{pid}/stat", ct);
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // A backend that ended between the two reads.
            }
        }
        return ticks / 100;
    }

    // Hour counters for every stream and hour of the eight weeks (two detectors flag) with their weekly sums, and per stream and week `reviewed`
    // flagged samples with a review item and a verdict: set-based SQL, so seeding 1,000 streams takes seconds, not hours.
    private static async Task SeedAsync(AuditorDatabase database, int streams, int reviewed, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var args = new { streams, reviewed, from, to };
        await c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO stream_hour_counters (model, route, deployment, hour, total, flagged, volume, flagged_volume)
            SELECT 'model-' || s, 'route', 'h100-fp8', h, 50, 2, 50, 2
            FROM generate_series(1, @streams) s, generate_series(@from, @to - interval '1 hour', interval '1 hour') h
            """, args, cancellationToken: ct, commandTimeout: 600));
        await c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO detector_hour_counters (model, route, deployment, hour, detector, flagged, flagged_volume)
            SELECT 'model-' || s, 'route', 'h100-fp8', h, d, 1, 1
            FROM generate_series(1, @streams) s, generate_series(@from, @to - interval '1 hour', interval '1 hour') h, unnest(ARRAY['empty', 'truncation']) d
            """, args, cancellationToken: ct, commandTimeout: 600));
        await c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO week_stream_counts (week_start, model, route, deployment, total, flagged, volume, flagged_volume, first_hour, last_hour)
            SELECT w, 'model-' || s, 'route', 'h100-fp8', 50 * 168, 2 * 168, 50 * 168, 2 * 168, w, w + interval '167 hours'
            FROM generate_series(1, @streams) s, generate_series(@from, @to - interval '1 week', interval '1 week') w
            """, args, cancellationToken: ct, commandTimeout: 600));
        await c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO week_detector_counts (week_start, model, route, deployment, detector, flagged, flagged_volume)
            SELECT w, 'model-' || s, 'route', 'h100-fp8', d, 168, 168
            FROM generate_series(1, @streams) s, generate_series(@from, @to - interval '1 week', interval '1 week') w, unnest(ARRAY['empty', 'truncation']) d
            """, args, cancellationToken: ct, commandTimeout: 600));
        await c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO samples (sample_id, model, route, deployment, occurred_at, received_at, output, sampling_rate, flagged, features)
            SELECT 'b-' || s || '-' || w || '-' || i, 'model-' || s, 'route', 'h100-fp8', w + (i * interval '7 hours'), w + (i * interval '7 hours'),
                   'an answer', 1, i % 2 = 0, '{}'
            FROM generate_series(1, @streams) s, generate_series(@from, @to - interval '1 week', interval '1 week') w, generate_series(1, @reviewed) i
            """, args, cancellationToken: ct, commandTimeout: 600));
        await c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO review_items (sample_id, model, route, stratum, inclusion_probability, state, created_at, occurred_at, flagged)
            SELECT sample_id, model, route, CASE WHEN flagged THEN 'flagged' ELSE 'uniform' END, CASE WHEN flagged THEN 1 ELSE 0.02 END, 'done', occurred_at,
                   occurred_at, flagged
            FROM samples
            """, args, cancellationToken: ct, commandTimeout: 600));
        await c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO verdicts (item_id, sample_id, reviewer, verdict, blind, created_at)
            SELECT item_id, sample_id, 'ann', CASE WHEN item_id % 3 = 0 THEN 'failure' ELSE 'ok' END, true, created_at FROM review_items
            """, args, cancellationToken: ct, commandTimeout: 600));
        // One item in twenty is double-reviewed (a second reviewer, agreeing two times in three).
        await c.ExecuteAsync(new CommandDefinition("""
            UPDATE review_items SET reviews_required = 2 WHERE item_id % 20 = 0;
            INSERT INTO verdicts (item_id, sample_id, reviewer, verdict, blind, created_at)
            SELECT item_id, sample_id, 'bob', CASE WHEN item_id % 3 = 0 OR item_id % 60 = 20 THEN 'failure' ELSE 'ok' END, true, created_at FROM review_items WHERE reviews_required = 2
            """, args, cancellationToken: ct, commandTimeout: 600));
        await c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO detector_results (sample_id, detector, score, threshold, flagged, abstained, evidence, explanation, occurred_at)
            SELECT sample_id, 'empty', 1, 0.5, true, false, '[]', 'empty', occurred_at FROM samples WHERE flagged
            """, args, cancellationToken: ct, commandTimeout: 600));
        // The tallies and settled verdicts of the seeded items, by the code the migration runs (the settling rule in one place).
        await using (var tx = await c.BeginTransactionAsync(ct))
        {
            await ReviewTallies.RebuildAsync(database, c, tx, ct);
            await ReviewerTallies.RebuildAsync(database, c, tx, ct);
            await tx.CommitAsync(ct);
        }
        await c.ExecuteAsync(new CommandDefinition(
            "ANALYZE stream_hour_counters, detector_hour_counters, week_stream_counts, week_detector_counts, week_review_tallies, week_agreement_tallies, week_accuracy_tallies, samples, review_items, verdicts, detector_results", cancellationToken: ct, commandTimeout: 600));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
