using System.Diagnostics;
using Auditor.Review.Reports;
using Auditor.Storage;
using Auditor.Storage.Incidents;
using Auditor.Storage.Reports;
using Dapper;

namespace Auditor.Cli.Bench;

/// <summary>
/// Seeds N streams x W weeks the way a steady deployment fills the store (every hour: 50 samples counted, 2 flagged by
/// two detectors; every 6 hours a uniform review item, every 12 hours a flagged one, each with a verdict), then times the
/// weekly report of the last seeded week as a request builds it. Seeding runs in PostgreSQL (generate_series) and is not
/// timed.
/// </summary>
public sealed class ReportBenchmark(AuditorDatabase database, int streams, int weeks, int runs)
{
    public async Task<int> RunAsync(TextWriter output, CancellationToken ct)
    {
        await database.MigrateAsync(ct);
        var week = IsoWeek.LastComplete(DateTimeOffset.UtcNow);
        var from = week.Minus(weeks - 1).StartUtc;
        var hours = weeks * 168;
        var run = Guid.NewGuid().ToString("N")[..6];
        await using (var c = await database.OpenAsync(ct))
        {
            var existing = await c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM stream_hour_counters", cancellationToken: ct));
            if (existing > 0)
            {
                output.WriteLine("bench report needs an empty database (stream_hour_counters has rows): it would measure them too.");
                return 2;
            }
            var seed = Stopwatch.StartNew();
            var args = new { streams, hours, from = from.UtcDateTime, run };
            foreach (var sql in SeedSql)
                await c.ExecuteAsync(new CommandDefinition(sql, args, commandTimeout: 3600, cancellationToken: ct));
            // Fresh statistics, as autovacuum would have them on a database that grew this way.
            foreach (var table in new[] { "stream_hour_counters", "detector_hour_counters", "samples", "detector_results", "review_items", "verdicts" })
                await c.ExecuteAsync(new CommandDefinition($"ANALYZE {table}", commandTimeout: 3600, cancellationToken: ct));
            output.WriteLine($"seeded {streams:N0} streams x {weeks} weeks ({streams * (long)hours:N0} stream-hours) in {seed.Elapsed.TotalSeconds:F0} s");
        }

        var loader = new WeeklyReportLoader(new ReportDataReader(database), new IncidentStore(database, TimeProvider.System), TimeProvider.System);
        var times = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var built = await loader.BuildAsync(week, ReportLinks.Default, ct);
            cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            var json = JsonReportRenderer.Render(built.Report);
            times.Add(built.Elapsed.TotalMilliseconds);
            output.WriteLine($"build {i + 1}: {built.Elapsed.TotalMilliseconds:N0} ms wall, {cpu.TotalMilliseconds:N0} ms CPU of this process, {built.Report.Streams.Count:N0} streams, JSON {json.Length / 1024.0 / 1024:F1} MiB");
        }
        times.Sort();
        var median = times[times.Count / 2];
        output.WriteLine($"report {week} at {streams:N0} streams ({weeks} weeks read): median {median:N0} ms, {median / (streams * (double)Math.Min(weeks, WeeklyReportBuilder.TrendWeeks)):F2} ms per stream-week read; load {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))}");
        return 0;
    }

    private static readonly string[] SeedSql =
    [
        """
        INSERT INTO stream_hour_counters (model, route, deployment, hour, total, flagged, volume, flagged_volume)
        SELECT 'bench-report-' || @run || '-' || s, 'route', '', @from + make_interval(hours => h), 50, 2, 500, 20
        FROM generate_series(0, @streams - 1) s, generate_series(0, @hours - 1) h
        """,
        """
        INSERT INTO detector_hour_counters (model, route, deployment, hour, detector, flagged, flagged_volume)
        SELECT 'bench-report-' || @run || '-' || s, 'route', '', @from + make_interval(hours => h), d, 1, 10
        FROM generate_series(0, @streams - 1) s, generate_series(0, @hours - 1) h, unnest(ARRAY['empty', 'truncation']) d
        """,
        """
        INSERT INTO samples (sample_id, model, route, occurred_at, received_at, output, sampling_rate, flagged, features)
        SELECT 'rb-' || @run || '-' || s || '-' || h, 'bench-report-' || @run || '-' || s, 'route', @from + make_interval(hours => h, mins => 7),
               @from + make_interval(hours => h, mins => 8), 'An answer of ordinary length for the report bench.', 0.1, h % 12 = 0, '{}'::jsonb
        FROM generate_series(0, @streams - 1) s, generate_series(0, @hours - 1, 6) h
        """,
        """
        INSERT INTO detector_results (sample_id, detector, score, threshold, flagged, abstained, evidence, explanation)
        SELECT sample_id, 'empty', 1, 0.5, true, false, '[]'::jsonb, 'The output is empty.' FROM samples WHERE flagged AND sample_id LIKE 'rb-' || @run || '-%'
        """,
        """
        INSERT INTO review_items (sample_id, model, route, stratum, inclusion_probability, state, created_at, reviews_required)
        SELECT sample_id, model, route, CASE WHEN flagged THEN 'flagged' ELSE 'uniform' END, CASE WHEN flagged THEN 1 ELSE 0.02 END, 'done', received_at, 1
        FROM samples WHERE sample_id LIKE 'rb-' || @run || '-%'
        """,
        """
        INSERT INTO verdicts (item_id, sample_id, reviewer, verdict, blind, created_at)
        SELECT item_id, sample_id, 'bench-reviewer', CASE WHEN stratum = 'flagged' AND item_id % 3 <> 0 OR item_id % 41 = 0 THEN 'failure' ELSE 'ok' END, true, created_at + interval '1 hour'
        FROM review_items WHERE sample_id LIKE 'rb-' || @run || '-%'
        """,
    ];
}
