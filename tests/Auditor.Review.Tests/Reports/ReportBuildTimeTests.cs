using System.Diagnostics;
using Auditor.Review.Estimation;
using Auditor.Review.Reports;
using Auditor.Review.Routing;
using Xunit.Abstractions;

namespace Auditor.Review.Tests.Reports;

public sealed class ReportBuildTimeTests(ITestOutputHelper output)
{
    [Fact]
    public void A_report_of_twenty_streams_over_eight_weeks_builds_in_seconds_with_the_reports_draws()
    {
        var week = IsoWeek.Parse("2026-W47");
        var random = new Random(9);
        var counts = new List<StreamHourCounts>();
        var items = new List<ReviewItem>();
        for (var s = 0; s < 20; s++)
        {
            var stream = new StreamKey($"model-{s}", "route");
            for (var h = 0; h < 8 * 168; h++)
            {
                var hour = week.Minus(7).StartUtc.AddHours(h);
                counts.Add(new StreamHourCounts(stream, hour, 50, 2, 50, 2, new Dictionary<string, long> { ["empty"] = 1, ["truncation"] = 1 }));
                items.Add(new ReviewItem($"{s}-{h}-f", stream, hour, ReviewStratum.Flagged, 1, true, ["empty"], random.NextDouble() < 0.6 ? ReviewVerdict.Failure : ReviewVerdict.Ok));
                if (h % 2 == 0)
                    items.Add(new ReviewItem($"{s}-{h}-u", stream, hour, ReviewStratum.Uniform, 0.02, false, [], random.NextDouble() < 0.02 ? ReviewVerdict.Failure : ReviewVerdict.Ok));
            }
        }

        var watch = Stopwatch.StartNew();
        var report = WeeklyReportBuilder.Build(new WeeklyReportInput(week, week.EndUtc, counts, items, [], [], []));
        var html = HtmlReportRenderer.RenderDocument(report);
        watch.Stop();

        output.WriteLine($"20 streams x 8 weeks ({counts.Count} stream-hours, {items.Count} reviewed items), 10,000 draws per cell: {watch.ElapsedMilliseconds} ms, HTML {html.Length / 1024} KiB");
        Assert.Equal(20, report.Streams.Count);
        Assert.All(report.Streams, s => Assert.NotNull(s.FailureRate.Value));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"took {watch.Elapsed}");
    }
}
