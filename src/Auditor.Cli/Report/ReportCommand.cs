using System.CommandLine;
using Auditor.Review.Reports;
using Auditor.Storage.Incidents;
using Auditor.Storage.Reports;

namespace Auditor.Cli.Report;

/// <summary>
/// `auditor report weekly --week 2026-W47 --format md|html|json [--out FILE]`: the weekly report from the configured
/// store, the same as GET /api/v1/reports/weekly. With --out and Markdown, the charts are written beside the file
/// (FILE-charts/*.svg) and linked; without --out, Markdown links to the server's chart URLs.
/// </summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var week = new Option<string?>("--week") { Description = "ISO week, e.g. 2026-W47 (default: the last complete week, UTC)." };
        var format = new Option<string>("--format") { Description = "md, html or json.", DefaultValueFactory = _ => "md" };
        format.AcceptOnlyFromAmong("md", "html", "json");
        var output = new Option<FileInfo?>("--out") { Description = "Write to this file instead of standard output." };
        var weekly = new Command("weekly", "The weekly silent-failure report: summary, per-stream rates with intervals, incidents, statistical notes.") { week, format, output };
        weekly.Validators.Add(r =>
        {
            if (r.GetValue(week) is { Length: > 0 } w && !IsoWeek.TryParse(w, out _))
                r.AddError($"'{w}' is not an ISO week such as 2026-W47.");
        });
        weekly.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var w = r.GetValue(week) is { Length: > 0 } given ? IsoWeek.Parse(given) : IsoWeek.LastComplete(DateTimeOffset.UtcNow);
            await using var database = CliConfiguration.OpenDatabase(CliConfiguration.Load());
            await database.MigrateAsync(ct);
            var loader = new WeeklyReportLoader(new ReportDataReader(database), new IncidentStore(database, TimeProvider.System), TimeProvider.System);
            var built = await loader.BuildAsync(w, ReportLinks.Default, ct);
            var file = r.GetValue(output);
            var text = r.GetValue(format) switch
            {
                "json" => JsonReportRenderer.Render(built.Report),
                "html" => HtmlReportRenderer.RenderDocument(built.Report),
                _ => MarkdownReportRenderer.Render(built.Report, file is null ? ServerCharts(built.Report.Week) : WriteCharts(built.Report, file)),
            };
            if (file is null)
                Console.Out.Write(text);
            else
            {
                await File.WriteAllTextAsync(file.FullName, text, ct);
                Console.Error.WriteLine($"Wrote {file.FullName} ({built.Report.Week}, built in {built.Elapsed.TotalMilliseconds:0} ms).");
            }
            return 0;
        });
        var report = new Command("report", "Reports from the configured store.");
        report.Subcommands.Add(weekly);
        return report;
    }

    private static Func<string, string?> ServerCharts(string week) => chart => $"/api/v1/reports/weekly/charts/{chart}.svg?week={week}";

    private static Func<string, string?> WriteCharts(WeeklyReport report, FileInfo file)
    {
        var folder = Path.Combine(file.DirectoryName ?? ".", Path.GetFileNameWithoutExtension(file.Name) + "-charts");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "summary.svg"), RateChart.Svg(report.Summary.Weeks, "All streams: failure rate, last 8 weeks"));
        for (var n = 0; n < report.Streams.Count; n++)
            File.WriteAllText(Path.Combine(folder, $"{n}.svg"), RateChart.Svg(report.Streams[n].Weeks, $"{report.Streams[n].Model}/{report.Streams[n].Route}: failure rate, last 8 weeks"));
        var relative = Path.GetFileName(folder);
        return chart => $"{relative}/{chart}.svg";
    }
}
