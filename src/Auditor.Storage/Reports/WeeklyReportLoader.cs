using System.Diagnostics;
using Auditor.Review.Estimation;
using Auditor.Review.Reports;
using Auditor.Storage.Incidents;

namespace Auditor.Storage.Reports;

/// <summary>A built report and how long building it took (reads and estimation).</summary>
public sealed record BuiltReport(WeeklyReport Report, TimeSpan Elapsed);

/// <summary>Reads a week and its trend weeks from storage and builds the weekly report; the server, the scheduled run and the CLI share it.</summary>
public sealed class WeeklyReportLoader(ReportDataReader reader, IncidentStore incidents, TimeProvider clock)
{
    public async Task<BuiltReport> BuildAsync(IsoWeek week, ReportLinks? links, CancellationToken ct, EstimationOptions? options = null)
    {
        var watch = Stopwatch.StartNew();
        var from = week.Minus(WeeklyReportBuilder.TrendWeeks - 1).StartUtc;
        var to = week.EndUtc;
        var counts = await reader.CountsAsync(from, to, ct);
        var reviews = await reader.ReviewsAsync(from, to, ct);
        var deployments = await reader.DeploymentCountsAsync(week.Minus(1).StartUtc, to, ct);
        var gold = await reader.GoldAsync(from, to, ct);
        var examples = await reader.ExamplesAsync(reviews, week.StartUtc, week.EndUtc, WeeklyReportBuilder.ExamplesPerStream, ct);
        var weekIncidents = await incidents.ForRangeAsync(week.StartUtc, week.EndUtc, ct);
        var weekSamples = reviews.Items.Where(i => i.Hour >= week.StartUtc && i.Hour < week.EndUtc).Select(i => i.SampleId).ToHashSet(StringComparer.Ordinal);
        var input = new WeeklyReportInput(week, clock.GetUtcNow(), counts, reviews.Items, examples, weekIncidents,
            reviews.Verdicts.Where(v => weekSamples.Contains(v.SampleId)).ToList(), deployments, reviews.Verdicts, gold);
        var report = WeeklyReportBuilder.Build(input, links, options);
        return new BuiltReport(report, watch.Elapsed);
    }
}
