using Auditor.Detection;
using Auditor.Review.Routing;
using Auditor.Storage.Reports;
using Auditor.Storage.Samples;
using Auditor.Storage.Streams;
using Auditor.Testing;

namespace Auditor.Storage.Tests;

/// <summary>
/// The weekly aggregates the batch writer keeps (migration 0013) equal the hour counters summed by week, late samples
/// included, so the report and the streams page read the same figures from them as from the hour counters.
/// </summary>
public abstract class WeeklyAggregateContractTests : MigratedDatabaseTest
{
    private static readonly DetectorRegistry Detectors = new(DetectorRegistry.Builtin(), new DefaultDetectorSettings());

    private async Task CommitAsync(IEnumerable<Auditor.Contracts.OutputSample> samples) =>
        await new SampleBatchWriter(Database, TimeProvider.System).CommitAsync(
            samples.Select(s => new AuditedSample(s, Detectors.Inspect(s), new RoutingDecision(null, 0))).ToList(), [], default);

    [Fact]
    public async Task Report_counts_and_stream_totals_read_from_weekly_aggregates_equal_those_from_hour_counters()
    {
        var now = DateTimeOffset.UtcNow;
        // Three weeks of samples on two streams and two deployments, every fourth one empty (flagged), sent in batches
        // out of time order: the last batch holds samples 20 days old, as a backlog would deliver them.
        var samples = Enumerable.Range(0, 240).Select(i => TestSamples.Valid(output: i % 4 == 0 ? "" : "A fine answer.") with
        {
            OccurredAt = now.AddHours(-i * 2.1),
            Route = i % 2 == 0 ? "chat/answer" : "chat/summary",
            Deployment = i % 3 == 0 ? "h100-fp8" : null,
            SamplingRate = i % 5 == 0 ? 0.5 : 1,
        }).ToList();
        foreach (var batch in samples.Chunk(70).Reverse())
            await CommitAsync(batch);
        var from = Retention.TimePartitionedTables.WeekStart(now).AddDays(-21);
        var to = Retention.TimePartitionedTables.WeekStart(now).AddDays(7);

        var weekly = await new ReportDataReader(Database).CountsAsync(from, to, default);
        var hourly = await new ReportDataReader(Database, readWeeklyAggregates: false).CountsAsync(from, to, default);

        Assert.Equal(Totals(hourly), Totals(weekly));
        Assert.True(weekly.Count < hourly.Count, "whole weeks are one row per stream, not one per hour");
        var deploymentsWeekly = await new ReportDataReader(Database).DeploymentCountsAsync(from, to, default);
        var deploymentsHourly = await new ReportDataReader(Database, readWeeklyAggregates: false).DeploymentCountsAsync(from, to, default);
        Assert.Equal(deploymentsHourly.GroupBy(c => (c.Stream, c.Deployment)).Select(g => (g.Key, g.Sum(c => c.Total), g.Sum(c => c.Flagged))).OrderBy(x => x.Key.ToString()),
            deploymentsWeekly.GroupBy(c => (c.Stream, c.Deployment)).Select(g => (g.Key, g.Sum(c => c.Total), g.Sum(c => c.Flagged))).OrderBy(x => x.Key.ToString()));
        // A range that starts mid-week reads its edge from the hour counters and still agrees.
        var midWeek = from.AddDays(3.5);
        var streamsWeekly = await new StreamSummaryReader(Database).ListAsync(midWeek, now.AddHours(1), default);
        var streamsHourly = await new StreamSummaryReader(Database, readWeeklyAggregates: false).ListAsync(midWeek, now.AddHours(1), default);
        Assert.Equal(streamsHourly.Select(s => (s.Model, s.Route, s.Total, s.Flagged, Math.Round(s.Volume, 6), s.FirstHour, s.LastHour, string.Join(",", s.FlaggedByDetector.OrderBy(d => d.Key)))),
            streamsWeekly.Select(s => (s.Model, s.Route, s.Total, s.Flagged, Math.Round(s.Volume, 6), s.FirstHour, s.LastHour, string.Join(",", s.FlaggedByDetector.OrderBy(d => d.Key)))));
        Assert.Equal(samples.Count(s => s.OccurredAt >= midWeek), streamsWeekly.Sum(s => s.Total));
    }

    private static List<string> Totals(IEnumerable<Auditor.Review.Estimation.StreamHourCounts> counts) =>
        counts.GroupBy(c => (c.Stream, Week: Retention.TimePartitionedTables.WeekStart(c.Hour)))
            .Select(g => $"{g.Key.Stream} {g.Key.Week:yyyy-MM-dd} total={g.Sum(c => c.Total)} flagged={g.Sum(c => c.Flagged)} volume={g.Sum(c => c.Volume):0.######} "
                + string.Join(",", g.SelectMany(c => c.FlagsByDetector).GroupBy(d => d.Key).OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => $"{d.Key}:{d.Sum(x => x.Value)}")))
            .Order(StringComparer.Ordinal).ToList();
}

public sealed class SqliteWeeklyAggregateTests : WeeklyAggregateContractTests
{
    protected override StoreKind Kind => StoreKind.Sqlite;
}

public sealed class PostgresWeeklyAggregateTests : WeeklyAggregateContractTests
{
    protected override StoreKind Kind => StoreKind.Postgres;
}
