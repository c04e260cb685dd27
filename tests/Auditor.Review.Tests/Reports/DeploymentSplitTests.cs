using System.Text.Json;
using Auditor.Review.Estimation;
using Auditor.Review.Incidents;
using Auditor.Review.Reports;
using Auditor.Review.Routing;
using Json.Schema;

namespace Auditor.Review.Tests.Reports;

/// <summary>A week where one stream ran on two deployments (one failing more) and another on one.</summary>
public sealed class DeploymentSplitTests
{
    private static readonly IsoWeek Week = IsoWeek.Parse("2026-W47");
    private static readonly StreamKey Support = new("qwen", "support/answer");
    private static readonly StreamKey Sql = new("llama", "sql");

    private static WeeklyReport Report()
    {
        var random = new Random(1661);
        var counts = new List<StreamHourCounts>();
        var items = new List<ReviewItem>();
        foreach (var (stream, deployment, samples, rate) in new[] { (Support, "h100-fp8", 6000, 0.02), (Support, "h100-fp8-v2", 3000, 0.10), (Sql, "a10", 4000, 0.03) })
        {
            var hour = Week.StartUtc.AddHours(30);
            counts.Add(new StreamHourCounts(stream, hour, samples, 0, samples, 0, new Dictionary<string, long>(), deployment));
            // No detector flagged anything this week: every item is a uniform one.
            for (var i = 0; i < samples / 20; i++)
                items.Add(new ReviewItem($"{deployment}-{i}", stream, hour, ReviewStratum.Uniform, 0.05, false, [],
                    random.NextDouble() < rate ? ReviewVerdict.Failure : ReviewVerdict.Ok, null, deployment));
        }
        var incident = new Incident(3, Support, IncidentSources.FlagRate, "", IncidentStatuses.Open, Week.StartUtc.AddHours(30).AddMinutes(23),
            Week.StartUtc.AddHours(30).AddMinutes(38), "flag-rate CUSUM", "Flag rate rose", null, null, null, null, null, "h100-fp8-v2");
        // The report's stream counters sum the deployments (as storage gives them).
        var streamCounts = counts.GroupBy(c => c.Stream).Select(g => new StreamHourCounts(g.Key, g.First().Hour, g.Sum(c => c.Total), 0, g.Sum(c => c.Total), 0,
            new Dictionary<string, long>())).ToList();
        return WeeklyReportBuilder.Build(new WeeklyReportInput(Week, Week.EndUtc, streamCounts, items, [], [incident], [], counts),
            options: new EstimationOptions(Draws: 2000));
    }

    [Fact]
    public void A_stream_with_two_deployments_is_split_under_itself_and_the_worst_deployment_leads_the_top_line()
    {
        var report = Report();

        var support = report.Streams.Single(s => s.Route == Support.Route);
        Assert.Equal(["h100-fp8", "h100-fp8-v2"], support.Deployments.Select(d => d.Deployment));
        Assert.Equal([6000L, 3000L], support.Deployments.Select(d => d.Samples));
        Assert.Empty(report.Streams.Single(s => s.Route == Sql.Route).Deployments);
        Assert.Contains("worst deployment h100-fp8-v2 on qwen/support/answer", report.Summary.TopLine, StringComparison.Ordinal);
        var comparison = Assert.Single(report.DeploymentComparisons);
        Assert.StartsWith("h100-fp8-v2 fails ", comparison.Words, StringComparison.Ordinal);
        Assert.Contains("more often than h100-fp8", comparison.Words, StringComparison.Ordinal);
        Assert.Equal("h100-fp8-v2", Assert.Single(report.Incidents).Deployment);
    }

    [Fact]
    public void Every_format_shows_the_split_and_the_incidents_deployment_and_the_json_keeps_to_the_schema()
    {
        var report = Report();

        var md = MarkdownReportRenderer.Render(report);
        Assert.Contains("| h100-fp8-v2 | 3000 |", md, StringComparison.Ordinal);
        Assert.Contains("| qwen/support/answer on h100-fp8-v2 |", md, StringComparison.Ordinal);
        var html = HtmlReportRenderer.RenderDocument(report);
        Assert.Contains("data-testid=\"stream-deployments\"", html, StringComparison.Ordinal);
        Assert.Contains("qwen/support/answer on h100-fp8-v2</td>", html, StringComparison.Ordinal);
        Assert.Equal(1, html.Split("data-testid=\"stream-deployments\"").Length - 1);

        var json = JsonDocument.Parse(JsonReportRenderer.Render(report)).RootElement;
        var result = WeeklyReportRenderingTests.Schema().Evaluate(json, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        Assert.True(result.IsValid, WeeklyReportRenderingTests.Errors(result));
        var c = json.GetProperty("deploymentComparisons")[0];
        // Neither deployment was flagged: a difference of 0 whose interval still allows a little either way.
        Assert.Equal(0, c.GetProperty("flagRateDifference").GetDouble());
        Assert.True(c.GetProperty("flagRateLower").GetDouble() < 0 && c.GetProperty("flagRateUpper").GetDouble() > 0);
    }
}
