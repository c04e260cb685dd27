using System.Diagnostics;
using Auditor.Review.Estimation;
using Auditor.Review.Reports;
using Auditor.Storage.Incidents;

namespace Auditor.Storage.Reports;

/// <summary>A built report and how long building it took (reads and estimation).</summary>
public sealed record BuiltReport(WeeklyReport Report, TimeSpan Elapsed);

/// <summary>Reads a week and its trend weeks from storage and builds the weekly report; the server, the scheduled run and the CLI share it.</summary>
/// <param name="readTallies">True (the default) reads review items as weekly tallies (migration 0016), reviewer
/// agreement and accuracy as weekly tallies (migration 0017), and the examples chosen in the database; false reads every
/// item, verdict and gold verdict of the eight weeks one by one, as before (for <c>auditor bench report</c> and the test
/// that both give the same report).</param>
public sealed class WeeklyReportLoader(ReportDataReader reader, IncidentStore incidents, TimeProvider clock, bool readTallies = true)
{
    public async Task<BuiltReport> BuildAsync(IsoWeek week, ReportLinks? links, CancellationToken ct, EstimationOptions? options = null)
    {
        var watch = Stopwatch.StartNew();
        var from = week.Minus(WeeklyReportBuilder.TrendWeeks - 1).StartUtc;
        var to = week.EndUtc;
        bool InWeek(DateTimeOffset t) => t >= week.StartUtc && t < week.EndUtc;
        var counts = await reader.CountsAsync(from, to, ct);
        IReadOnlyList<ReviewItem> items;
        IReadOnlyList<ReviewerVerdict> weekVerdicts = [], referenceVerdicts = [];
        IReadOnlyDictionary<string, ReviewVerdict>? gold = null;
        TalliedReviewers? reviewers = null;
        IReadOnlyList<ReportExampleSource> examples;
        if (readTallies)
        {
            items = await reader.ReviewTalliesAsync(from, to, ct);
            reviewers = await reader.ReviewerTalliesAsync(from, week.StartUtc, to, ct);
            examples = await reader.SettledExamplesAsync(week.StartUtc, week.EndUtc, WeeklyReportBuilder.ExamplesPerStream, ct);
        }
        else
        {
            var reviews = await reader.ReviewsAsync(from, to, ct);
            items = reviews.Items;
            referenceVerdicts = reviews.Verdicts;
            var weekSamples = reviews.Items.Where(i => InWeek(i.Hour)).Select(i => i.SampleId).ToHashSet(StringComparer.Ordinal);
            weekVerdicts = reviews.Verdicts.Where(v => weekSamples.Contains(v.SampleId)).ToList();
            examples = await reader.ExamplesAsync(reviews, week.StartUtc, week.EndUtc, WeeklyReportBuilder.ExamplesPerStream, ct);
            gold = await reader.GoldAsync(from, to, ct);
        }
        var deployments = await reader.DeploymentCountsAsync(week.Minus(1).StartUtc, to, ct);
        var weekIncidents = await incidents.ForRangeAsync(week.StartUtc, week.EndUtc, ct);
        var input = new WeeklyReportInput(week, clock.GetUtcNow(), counts, items, examples, weekIncidents,
            weekVerdicts, deployments, referenceVerdicts, gold, reviewers);
        var report = WeeklyReportBuilder.Build(input, links, options);
        return new BuiltReport(report, watch.Elapsed);
    }
}
