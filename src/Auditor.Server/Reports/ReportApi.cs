using Auditor.Review.Reports;
using Auditor.Server.Accounts;
using Auditor.Server.Review;
using Auditor.Storage.Reports;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Auditor.Server.Reports;

public static class ReportApi
{
    /// <summary>
    /// GET /api/v1/reports/weekly?week=2026-W47 (JSON), .json, .md, .html, and the charts the Markdown links to. Built
    /// from the weekly aggregates and review items, at most once a minute per week (ReportCache; week defaults to the
    /// last complete one); the scheduled run's stored copies
    /// are at /api/v1/reports/stored/{week}. POST /api/v1/reports/weekly/run (admin) runs the scheduled job now.
    /// </summary>
    public static IEndpointRouteBuilder MapReportApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/reports/weekly", (string? week, ReportCache loader, TimeProvider clock, CancellationToken ct) => RenderAsync(week, "json", loader, clock, ct));
        app.MapGet("/api/v1/reports/weekly.{format:regex(^(json|md|html)$)}", (string format, string? week, ReportCache loader, TimeProvider clock,
            HttpResponse response, CancellationToken ct) =>
        {
            // The standalone document brings its own stylesheet; its own policy (the same as in its meta element) allows exactly that.
            if (format == "html")
                response.Headers.ContentSecurityPolicy = HtmlReportRenderer.DocumentPolicy;
            return RenderAsync(week, format, loader, clock, ct);
        });
        app.MapGet("/api/v1/reports/weekly/charts/{chart}.svg", async Task<IResult> (string chart, string? week, ReportCache loader, TimeProvider clock, CancellationToken ct) =>
        {
            if (ParseWeek(week, clock) is not { } w)
                return BadWeek(week);
            var report = await loader.GetAsync(w, ct);
            if (chart == "summary")
                return Results.Text(RateChart.Svg(report.Summary.Weeks, "All streams: failure rate, last 8 weeks"), "image/svg+xml");
            if (int.TryParse(chart, out var n) && n >= 0 && n < report.Streams.Count)
                return Results.Text(RateChart.Svg(report.Streams[n].Weeks, $"{report.Streams[n].Model}/{report.Streams[n].Route}: failure rate, last 8 weeks"), "image/svg+xml");
            return TypedResults.Problem(statusCode: 404, title: "No such chart", detail: "Charts are 'summary' or a stream's index in the report.");
        });
        app.MapGet("/api/v1/reports/stored", async (WeeklyReportStore store, CancellationToken ct) =>
            TypedResults.Ok((await store.ListAsync(ct)).Select(r => new { week = r.Week, generatedAt = r.GeneratedAt })));
        app.MapGet("/api/v1/reports/stored/{week}", async Task<IResult> (string week, WeeklyReportStore store, CancellationToken ct) =>
            await store.FindAsync(week, ct) is { } r ? Results.Text(r.Json, "application/json") : TypedResults.Problem(statusCode: 404, title: "No stored report", detail: $"No report was stored for {week}."));
        app.MapPost("/api/v1/reports/weekly/run", async Task<IResult> (string? week, WeeklyReportRun run, TimeProvider clock, CancellationToken ct) =>
        {
            if (ParseWeek(week, clock) is not { } w)
                return BadWeek(week);
            var built = await run.RunAsync(w, ct);
            return TypedResults.Ok(new { week = built.Report.Week, generatedAt = built.Report.GeneratedAt, milliseconds = built.Elapsed.TotalMilliseconds });
        }).RequireAuthorization(AccountsRegistration.AdminPolicy).AddEndpointFilter<CookieCsrfFilter>();
        return app;
    }

    /// <summary>Chart links for the Markdown report (relative to the server).</summary>
    public static Func<string, string?> ChartLinks(string week) => chart => $"/api/v1/reports/weekly/charts/{chart}.svg?week={week}";

    private static async Task<IResult> RenderAsync(string? week, string format, ReportCache loader, TimeProvider clock, CancellationToken ct)
    {
        if (ParseWeek(week, clock) is not { } w)
            return BadWeek(week);
        var report = await loader.GetAsync(w, ct);
        return format switch
        {
            "md" => Results.Text(MarkdownReportRenderer.Render(report, ChartLinks(report.Week)), "text/markdown; charset=utf-8"),
            "html" => Results.Text(HtmlReportRenderer.RenderDocument(report), "text/html; charset=utf-8"),
            _ => Results.Text(JsonReportRenderer.Render(report), "application/json; charset=utf-8"),
        };
    }

    internal static IsoWeek? ParseWeek(string? week, TimeProvider clock) =>
        string.IsNullOrEmpty(week) ? IsoWeek.LastComplete(clock.GetUtcNow()) : IsoWeek.TryParse(week, out var w) ? w : null;

    private static ProblemHttpResult BadWeek(string? week) =>
        TypedResults.Problem(statusCode: 400, title: "Bad week", detail: IsoWeek.Problem(week));
}
