using System.Net;
using System.Text;
using Auditor.Review.Estimation;

namespace Auditor.Review.Reports;

/// <summary>
/// The HTML report. Every string from the data (model output above all, but stream names and categories come from
/// publishers and reviewers too) goes through <see cref="E"/>; the only markup is this file's own. No inline script or
/// style in the fragment, so the UI's Content-Security-Policy holds; charts are inline SVG with presentation attributes.
/// The standalone document carries its own stylesheet in one &lt;style&gt; element, allowed by its hash in the
/// document's own policy (<see cref="DocumentPolicy"/>), so a downloaded copy reads well and still runs nothing.
/// </summary>
public static class HtmlReportRenderer
{
    /// <summary>The standalone report's stylesheet (light and dark), the only style it has.</summary>
    public const string Stylesheet = """
        :root { color-scheme: light dark; --ink: #1d2330; --muted: #5b6475; --line: #d9dde5; --page: #f7f8fa; --surface: #fff; --bad: #b3261e; }
        @media (prefers-color-scheme: dark) { :root { --ink: #e4e7ee; --muted: #a3abbb; --line: #3a4150; --page: #14171d; --surface: #1d2129; --bad: #ff8a80; }
          svg { background: #f7f8fa; border-radius: 4px; } }
        * { box-sizing: border-box; }
        body { margin: 0 auto; max-width: 60rem; padding: 1rem 1.2rem 3rem; font: 15px/1.45 system-ui, sans-serif; color: var(--ink); background: var(--page); }
        h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.6rem; border-bottom: 1px solid var(--line); } h3 { font-size: 1rem; }
        table { border-collapse: collapse; width: 100%; background: var(--surface); margin: .5rem 0; display: block; overflow-x: auto; }
        th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        .facts { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; } .facts dt, .note { color: var(--muted); }
        .partial { border: 1px solid var(--line); padding: .1rem .4rem; border-radius: 3px; font-size: .85rem; }
        .warning { color: var(--bad); }
        pre.output { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--surface); border: 1px solid var(--line); padding: .6rem; max-height: 20rem; overflow: auto; }
        svg { max-width: 100%; height: auto; }
        a { color: inherit; }
        """;

    /// <summary>
    /// The Content-Security-Policy of the standalone document: nothing but its own stylesheet (by hash) and inline SVG;
    /// no script, no fetch. It is in a meta element (a downloaded file has no headers) and the server sends it too.
    /// </summary>
    public static string DocumentPolicy { get; } =
        $"default-src 'none'; script-src 'none'; style-src 'sha256-{Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(Stylesheet)))}'; "
        + "img-src 'self' data:; base-uri 'none'; form-action 'none'";

    public static string RenderDocument(WeeklyReport report)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append($"<meta http-equiv=\"Content-Security-Policy\" content=\"{E(DocumentPolicy)}\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append($"<title>Auditor weekly report {E(report.Week)}</title>\n<style>").Append(Stylesheet).Append("</style>\n</head>\n<body>\n");
        html.Append(RenderFragment(report));
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>The report body, for a page that supplies its own layout.</summary>
    public static string RenderFragment(WeeklyReport report)
    {
        var h = new StringBuilder();
        h.Append($"<article class=\"report\" data-week=\"{E(report.Week)}\">\n");
        var partial = IsPartial(report);
        h.Append($"<h1>Silent failures, week {E(report.Week)}{(partial ? " <span class=\"partial\" data-testid=\"partial\">partial</span>" : "")}</h1>\n");
        h.Append($"<p class=\"note\">{E(report.WeekStart.ToString("yyyy-MM-dd"))} to {E(report.WeekEnd.AddDays(-1).ToString("yyyy-MM-dd"))} (UTC), generated {E(Text.Time(report.GeneratedAt))}"
            + (partial ? ", before the week ended: its figures cover the week so far and will change." : ".") + "</p>\n");

        h.Append("<section id=\"summary\">\n<h2>Summary</h2>\n<ul>\n");
        foreach (var line in report.Summary.Headline)
            h.Append($"<li>{E(line)}</li>\n");
        h.Append("</ul>\n");
        h.Append(Facts(
            ("samples", Text.Number(report.Summary.Samples)), ("volume (scaled by 1/samplingRate)", Text.Number(report.Summary.Volume)),
            ("flag rate", Text.Percent(report.Summary.FlagRate)), ("failure rate", Text.Interval(report.Summary.FailureRate)),
            ("detector precision", Text.Interval(report.Summary.Precision)), ("detector recall", Text.Interval(report.Summary.Recall)),
            ("open incidents", report.Summary.OpenIncidents.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        h.Append(RateChart.Svg(report.Summary.Weeks, "All streams: failure rate, last 8 weeks")).Append('\n');
        h.Append(WeeksTable(report.Summary.Weeks));
        h.Append("</section>\n");

        if (report.Deployments.Count > 0)
        {
            h.Append("<section id=\"deployments\">\n<h2>Deployments</h2>\n<table><tr><th>stream</th><th>deployment</th><th>samples</th><th>flag rate</th><th>reviewed</th><th>failure rate (95%)</th></tr>\n");
            foreach (var d in report.Deployments)
                h.Append($"<tr><td>{E(d.Model)}/{E(d.Route)}</td><td>{E(d.Name)}</td><td class=\"num\">{d.Samples}</td><td class=\"num\">{E(Text.Percent(d.FlagRate))}</td><td class=\"num\">{d.Reviewed}</td><td>{E(Text.Interval(d.FailureRate))}</td></tr>\n");
            h.Append("</table>\n<ul>\n");
            foreach (var c in report.DeploymentComparisons)
                h.Append($"<li>{E(c.Model)}/{E(c.Route)}: {E(c.Words)}.</li>\n");
            h.Append("</ul>\n</section>\n");
        }
        h.Append("<section id=\"incidents\">\n<h2>Incidents</h2>\n");
        if (report.Incidents.Count == 0)
            h.Append("<p>None this week.</p>\n");
        else
        {
            h.Append("<table class=\"grid\">\n<thead><tr><th>#</th><th>stream</th><th>source</th><th>status</th><th>onset</th><th>detected</th><th>time to detection</th><th>by</th><th>summary</th></tr></thead>\n<tbody>\n");
            foreach (var i in report.Incidents)
                h.Append($"<tr><td><a href=\"{E(i.Link)}\">{i.IncidentId}</a></td><td>{E(i.Model)}/{E(i.Route)}{(i.Deployment is null ? "" : " on " + E(DeploymentName.Display(i.Deployment)))}</td><td>{E(i.Source)}{(i.Category.Length > 0 ? " " + E(i.Category) : "")}</td><td>{E(i.Status)}</td>"
                    + $"<td>{E(Text.Time(i.OnsetAt))}</td><td>{E(Text.Time(i.DetectedAt))}</td><td class=\"num\" data-ttd-minutes=\"{i.TimeToDetectionMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture)}\">{E(Text.Duration(i.TimeToDetectionMinutes))}</td><td>{E(i.DetectedBy)}</td><td>{E(i.Summary)}</td></tr>\n");
            h.Append("</tbody>\n</table>\n");
        }
        h.Append("</section>\n");

        foreach (var (s, n) in report.Streams.Select((s, n) => (s, n)))
        {
            h.Append($"<section class=\"stream\" id=\"stream-{n}\">\n<h2>{E(s.Model)} / {E(s.Route)}</h2>\n");
            h.Append(Facts(("samples", Text.Number(s.Samples)), ("volume", Text.Number(s.Volume)), ("flag rate", Text.Percent(s.FlagRate)),
                ("failure rate", Text.Interval(s.FailureRate)), ("precision", Text.Interval(s.Precision)), ("recall", Text.Interval(s.Recall)),
                ("review coverage", $"{s.Coverage.Decisive} decisive of {s.Coverage.Selected} selected ({Text.Percent(s.Coverage.Coverage)}), {s.Coverage.Unsure} unsure, {s.Coverage.Pending} pending{(s.Coverage.Low ? " — LOW" : "")}")));
            h.Append(RateChart.Svg(s.Weeks, $"{s.Model}/{s.Route}: failure rate, last 8 weeks")).Append('\n');
            h.Append(WeeksTable(s.Weeks));
            if (s.Deployments.Count > 0)
            {
                h.Append("<h3>By deployment</h3>\n<table class=\"grid\" data-testid=\"stream-deployments\">\n<thead><tr><th>deployment</th><th>samples</th><th>flag rate</th><th>reviewed</th><th>failure rate (95%)</th></tr></thead>\n<tbody>\n");
                foreach (var d in s.Deployments)
                    h.Append($"<tr><td>{E(d.Name)}</td><td class=\"num\">{d.Samples}</td><td class=\"num\">{E(Text.Percent(d.FlagRate))}</td><td class=\"num\">{d.Reviewed}</td><td>{E(Text.Interval(d.FailureRate))}</td></tr>\n");
                h.Append("</tbody>\n</table>\n");
                foreach (var c in report.DeploymentComparisons.Where(c => c.Model == s.Model && c.Route == s.Route))
                    h.Append($"<p class=\"comparison\">{E(c.Words)}.</p>\n");
            }
            h.Append("<h3>Detectors</h3>\n<table class=\"grid\">\n<thead><tr><th>detector</th><th>flags</th><th>flag rate</th><th>reviewed</th><th>failures</th><th>precision (95%)</th></tr></thead>\n<tbody>\n");
            foreach (var d in s.Detectors)
                h.Append($"<tr><td>{E(d.Detector)}</td><td class=\"num\">{d.Flags}</td><td class=\"num\">{E(Text.Percent(d.FlagRate))}</td><td class=\"num\">{d.Reviewed}</td><td class=\"num\">{d.Failures}</td><td>{E(Text.Interval(d.Precision))}</td></tr>\n");
            h.Append("</tbody>\n</table>\n");
            if (s.Examples.Count > 0)
            {
                h.Append("<h3>Examples</h3>\n");
                foreach (var x in s.Examples)
                {
                    h.Append($"<div class=\"example\"><p><a href=\"{E(x.Link)}\">review item {x.ItemId}</a> · {E(x.Verdict)}{(x.Category is null ? "" : " · " + E(x.Category))}");
                    if (x.FlaggedBy.Count > 0)
                        h.Append($" · flagged by {E(string.Join(", ", x.FlaggedBy))}");
                    h.Append($"</p><pre class=\"output\">{E(x.Output)}{(x.OutputTruncated ? "…" : "")}</pre></div>\n");
                }
            }
            if (s.Warnings.Count > 0)
            {
                h.Append("<ul class=\"note\">\n");
                foreach (var w in s.Warnings)
                    h.Append($"<li>{E(w)}</li>\n");
                h.Append("</ul>\n");
            }
            h.Append("</section>\n");
        }

        h.Append("<section id=\"notes\">\n<h2>Statistical notes</h2>\n<h3>Design</h3>\n<ul>\n");
        foreach (var d in report.Notes.Design)
            h.Append($"<li>{E(d)}</li>\n");
        h.Append($"<li>{E(report.Notes.SamplingRate)}</li>\n</ul>\n<h3>Coverage</h3>\n");
        h.Append(report.Notes.Coverage.Count == 0 ? "<p>No coverage warning.</p>\n" : "<ul>\n" + string.Concat(report.Notes.Coverage.Select(c => $"<li>{E(c)}</li>\n")) + "</ul>\n");
        h.Append("<h3>Under-powered cells</h3>\n");
        h.Append(report.Notes.UnderPowered.Count == 0
            ? "<p>None: every stream's interval is within ±1 point.</p>\n"
            : "<ul>\n" + string.Concat(report.Notes.UnderPowered.Select(u => $"<li>{E(u.Model)}/{E(u.Route)}: {E(u.Note ?? $"{u.AdditionalUniformReviews} more uniform reviews needed.")}</li>\n")) + "</ul>\n");
        var a = report.Notes.Agreement;
        h.Append($"<h3>Reviewer agreement</h3>\n<p>{E(a.Items == 0 ? a.Note ?? "No double reviews." : $"{a.Items} double-reviewed pairs, observed agreement {Text.Percent(a.ObservedAgreement)}, kappa {(a.Kappa is { } k ? k.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) : "undefined")}. {a.Note}")}</p>\n");
        if (report.Notes.Reviewers.Count > 0)
        {
            h.Append("<h3>Reviewer error</h3>\n<table><tr><th>reviewer</th><th>known failures caught</th><th>sensitivity (95%)</th><th>known good kept</th><th>specificity (95%)</th><th>unsure</th><th>gold</th></tr>\n");
            foreach (var r in report.Notes.Reviewers)
                h.Append($"<tr><td>{E(r.Reviewer)}</td><td class=\"num\">{r.FailuresCaught} of {r.Failures}</td><td>{E(r.Sensitivity is null ? "–" : Text.Interval(r.Sensitivity))}</td><td class=\"num\">{r.OksKept} of {r.Oks}</td><td>{E(r.Specificity is null ? "–" : Text.Interval(r.Specificity))}</td><td class=\"num\">{r.Unsure}</td><td class=\"num\">{r.Gold}</td></tr>\n");
            h.Append("</table>\n");
        }
        foreach (var w in report.Notes.ReviewerWarnings)
            h.Append($"<p class=\"warning\">{E(w)}</p>\n");
        h.Append("</section>\n</article>\n");
        return h.ToString();
    }

    /// <summary>Whether the report was built before its week ended (the current week): its figures are the week so far.</summary>
    public static bool IsPartial(WeeklyReport report) =>
        report.GeneratedAt < new DateTimeOffset(report.WeekEnd.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    private static string WeeksTable(IReadOnlyList<WeekPoint> weeks)
    {
        var h = new StringBuilder("<table class=\"grid\">\n<thead><tr><th>week</th><th>samples</th><th>flag rate</th><th>reviewed</th><th>failure rate (95%)</th></tr></thead>\n<tbody>\n");
        foreach (var w in weeks)
            h.Append($"<tr><td>{E(w.Week)}</td><td class=\"num\">{w.Samples}</td><td class=\"num\">{E(Text.Percent(w.FlagRate))}</td><td class=\"num\">{w.Reviewed}</td><td>{(w.Samples == 0 ? "no samples" : E(Text.Interval(w.FailureRate)))}</td></tr>\n");
        return h.Append("</tbody>\n</table>\n").ToString();
    }

    private static string Facts(params (string Name, string Value)[] facts) =>
        "<dl class=\"facts\">\n" + string.Concat(facts.Select(f => $"<dt>{E(f.Name)}</dt><dd>{E(f.Value)}</dd>\n")) + "</dl>\n";

    /// <summary>HTML-encodes text for element content and quoted attributes (&lt; &gt; &amp; &quot; &#39;).</summary>
    private static string E(string text) => WebUtility.HtmlEncode(text);
}
