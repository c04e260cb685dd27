using System.Text.Json;
using System.Text.Json.Nodes;
using Auditor.Review.Reports;
using Json.Schema;

namespace Auditor.Review.Tests.Reports;

public sealed class WeeklyReportRenderingTests
{
    private static readonly WeeklyReport Report = ReportFixture.Report();

    [Fact]
    public void The_html_report_encodes_model_output_and_stream_names()
    {
        var html = HtmlReportRenderer.RenderDocument(Report);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<svg onload", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<|im_end|>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(2)&gt;", html, StringComparison.Ordinal);
        Assert.Contains("llama&lt;svg onload=alert(3)&gt;", html, StringComparison.Ordinal);
        Assert.Contains("&quot;quoted&quot; &amp; &#39;single&#39;", html, StringComparison.Ordinal);
        // The examples link to their review items, and the charts are there.
        Assert.Contains("href=\"/samples/f7-0-1\"", html, StringComparison.Ordinal);
        Assert.Contains("<svg xmlns=\"http://www.w3.org/2000/svg\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain(" style=", html, StringComparison.Ordinal);
    }

    [Fact]
    public void The_markdown_report_fences_model_output_and_links_charts()
    {
        var md = MarkdownReportRenderer.Render(Report, chart => $"charts/{chart}.svg");

        Assert.Contains($"```text\nSure! {ReportFixture.Script}", md, StringComparison.Ordinal);
        Assert.Contains("![All streams: failure rate, last 8 weeks](charts/summary.svg)", md, StringComparison.Ordinal);
        Assert.Contains("llama\\<svg onload=alert(3)\\>", md, StringComparison.Ordinal);
        Assert.Contains("[review item 101](/samples/f7-0-1)", md, StringComparison.Ordinal);
    }

    [Fact]
    public void The_json_report_validates_against_the_schema_in_the_repository()
    {
        var json = JsonReportRenderer.Render(Report);

        var result = Schema().Evaluate(JsonDocument.Parse(json).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });

        Assert.True(result.IsValid, Errors(result));
    }

    [Fact]
    public void The_schema_refuses_a_report_missing_a_required_field_or_with_a_rate_above_one()
    {
        var node = JsonNode.Parse(JsonReportRenderer.Render(Report))!;
        node["summary"]!.AsObject().Remove("failureRate");
        node["streams"]![0]!["flagRate"] = 1.5;

        var result = Schema().Evaluate(JsonDocument.Parse(node.ToJsonString()).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });

        Assert.False(result.IsValid);
    }

    [Fact]
    public void The_report_summary_reads_the_estimators_and_lists_the_incident_with_its_time_to_detection()
    {
        Assert.Equal("2026-W47", Report.Week);
        Assert.Equal(8, Report.Summary.Weeks.Count);
        Assert.Equal("2026-W40", Report.Summary.Weeks[0].Week);
        Assert.NotNull(Report.Summary.FailureRate.Value);
        Assert.Equal(2, Report.Streams.Count);
        var incident = Assert.Single(Report.Incidents);
        Assert.Equal(150, incident.TimeToDetectionMinutes);
        Assert.Equal(1, Report.Summary.OpenIncidents);
        Assert.Contains(Report.Notes.UnderPowered, u => u.Model == "qwen");
        Assert.Contains("1/r", Report.Notes.SamplingRate, StringComparison.Ordinal);
        Assert.Equal(2, Report.Streams[0].Examples.Count);
    }

    private static readonly Lazy<JsonSchema> LoadedSchema = new(LoadSchema);

    internal static JsonSchema Schema() => LoadedSchema.Value;

    private static JsonSchema LoadSchema()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Auditor.sln")))
            dir = dir.Parent;
        Assert.NotNull(dir);
        return JsonSchema.FromText(File.ReadAllText(Path.Combine(dir.FullName, "src", "Auditor.Contracts", "schema", "weekly-report.v1.json")));
    }

    internal static string Errors(EvaluationResults result) =>
        string.Join("\n", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key} {e.Value}")));
}
