using System.Text;
using Auditor.Review.Estimation;

namespace Auditor.Review.Reports;

/// <summary>
/// The Markdown report. Charts are linked (chartLink gives a URL or file name per chart: "summary" or the stream's
/// index), since Markdown viewers differ in what they embed. Model output is shown in fenced code blocks, where a
/// renderer shows it as text; table cells escape | and markup characters.
/// </summary>
public static class MarkdownReportRenderer
{
    public static string Render(WeeklyReport report, Func<string, string?>? chartLink = null)
    {
        var m = new StringBuilder();
        m.AppendLine($"# Silent failures, week {Cell(report.Week)}");
        m.AppendLine();
        m.AppendLine($"{report.WeekStart:yyyy-MM-dd} to {report.WeekEnd.AddDays(-1):yyyy-MM-dd} (UTC), generated {Text.Time(report.GeneratedAt)}.");
        m.AppendLine();
        m.AppendLine("## Summary");
        m.AppendLine();
        foreach (var line in report.Summary.Headline)
            m.AppendLine($"- {Cell(line)}");
        m.AppendLine();
        if (chartLink?.Invoke("summary") is { } summaryChart)
            m.AppendLine($"![All streams: failure rate, last 8 weeks]({summaryChart})").AppendLine();
        Weeks(m, report.Summary.Weeks);

        if (report.Deployments.Count > 0)
        {
            m.AppendLine("## Deployments").AppendLine();
            m.AppendLine("| stream | deployment | samples | flag rate | reviewed | failure rate (95%) |");
            m.AppendLine("|---|---|---:|---:|---:|---|");
            foreach (var d in report.Deployments)
                m.AppendLine($"| {Cell(d.Model)}/{Cell(d.Route)} | {Cell(d.Name)} | {d.Samples} | {Text.Percent(d.FlagRate)} | {d.Reviewed} | {Text.Interval(d.FailureRate)} |");
            m.AppendLine();
            foreach (var c in report.DeploymentComparisons)
                m.AppendLine($"- {Cell(c.Model)}/{Cell(c.Route)}: {Cell(c.Words)}.");
            if (report.DeploymentComparisons.Count > 0)
                m.AppendLine();
        }

        m.AppendLine("## Incidents").AppendLine();
        if (report.Incidents.Count == 0)
            m.AppendLine("None this week.").AppendLine();
        else
        {
            m.AppendLine("| # | stream | source | status | onset | detected | time to detection | summary |");
            m.AppendLine("|---|---|---|---|---|---|---|---|");
            foreach (var i in report.Incidents)
                m.AppendLine($"| [{i.IncidentId}]({i.Link}) | {Cell(i.Model)}/{Cell(i.Route)}{(i.Deployment is null ? "" : " on " + Cell(DeploymentName.Display(i.Deployment)))} | {Cell(i.Source)} {Cell(i.Category)} | {Cell(i.Status)} | {Text.Time(i.OnsetAt)} | {Text.Time(i.DetectedAt)} | {Text.Duration(i.TimeToDetectionMinutes)} | {Cell(i.Summary)} |");
            m.AppendLine();
        }

        foreach (var (s, n) in report.Streams.Select((s, n) => (s, n)))
        {
            m.AppendLine($"## {Cell(s.Model)} / {Cell(s.Route)}").AppendLine();
            m.AppendLine($"- samples {Text.Number(s.Samples)}, volume {Text.Number(s.Volume)}, flag rate {Text.Percent(s.FlagRate)}");
            m.AppendLine($"- failure rate {Text.Interval(s.FailureRate)}; precision {Text.Interval(s.Precision)}; recall {Text.Interval(s.Recall)}");
            m.AppendLine($"- review coverage: {s.Coverage.Decisive} decisive of {s.Coverage.Selected} selected ({Text.Percent(s.Coverage.Coverage)}), {s.Coverage.Unsure} unsure, {s.Coverage.Pending} pending{(s.Coverage.Low ? " (low)" : "")}");
            m.AppendLine();
            if (chartLink?.Invoke(n.ToString(System.Globalization.CultureInfo.InvariantCulture)) is { } chart)
                m.AppendLine($"![{Cell(s.Model)}/{Cell(s.Route)}: failure rate, last 8 weeks]({chart})").AppendLine();
            Weeks(m, s.Weeks);
            if (s.Deployments.Count > 0)
            {
                m.AppendLine("| deployment | samples | flag rate | reviewed | failure rate (95%) |");
                m.AppendLine("|---|---:|---:|---:|---|");
                foreach (var d in s.Deployments)
                    m.AppendLine($"| {Cell(d.Name)} | {d.Samples} | {Text.Percent(d.FlagRate)} | {d.Reviewed} | {Text.Interval(d.FailureRate)} |");
                m.AppendLine();
                foreach (var c in report.DeploymentComparisons.Where(c => c.Model == s.Model && c.Route == s.Route))
                    m.AppendLine($"- {Cell(c.Words)}.");
                m.AppendLine();
            }
            m.AppendLine("| detector | flags | flag rate | reviewed | failures | precision (95%) |");
            m.AppendLine("|---|---:|---:|---:|---:|---|");
            foreach (var d in s.Detectors)
                m.AppendLine($"| {Cell(d.Detector)} | {d.Flags} | {Text.Percent(d.FlagRate)} | {d.Reviewed} | {d.Failures} | {Text.Interval(d.Precision)} |");
            m.AppendLine();
            foreach (var x in s.Examples)
            {
                m.AppendLine($"[review item {x.ItemId}]({x.Link}) · {Cell(x.Verdict)}{(x.Category is null ? "" : " · " + Cell(x.Category))}{(x.FlaggedBy.Count > 0 ? " · flagged by " + Cell(string.Join(", ", x.FlaggedBy)) : "")}");
                m.AppendLine();
                var fence = Fence(x.Output);
                m.AppendLine(fence + "text").AppendLine(x.Output + (x.OutputTruncated ? "…" : "")).AppendLine(fence).AppendLine();
            }
            foreach (var w in s.Warnings)
                m.AppendLine($"> {Cell(w)}").AppendLine();
        }

        m.AppendLine("## Statistical notes").AppendLine();
        foreach (var d in report.Notes.Design)
            m.AppendLine($"- {Cell(d)}");
        m.AppendLine($"- {Cell(report.Notes.SamplingRate)}").AppendLine();
        m.AppendLine("Coverage:").AppendLine();
        m.AppendLine(report.Notes.Coverage.Count == 0 ? "- No coverage warning." : string.Join('\n', report.Notes.Coverage.Select(c => $"- {Cell(c)}")));
        m.AppendLine().AppendLine("Under-powered cells:").AppendLine();
        m.AppendLine(report.Notes.UnderPowered.Count == 0 ? "- None." : string.Join('\n', report.Notes.UnderPowered.Select(u =>
            $"- {Cell(u.Model)}/{Cell(u.Route)}: {Cell(u.Note ?? $"{u.AdditionalUniformReviews} more uniform reviews needed.")}")));
        var a = report.Notes.Agreement;
        m.AppendLine().AppendLine($"Reviewer agreement: {(a.Items == 0 ? Cell(a.Note ?? "no double reviews") : $"{a.Items} pairs, kappa {(a.Kappa is { } k ? k.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) : "undefined")}")}.");
        if (report.Notes.Reviewers.Count > 0)
        {
            m.AppendLine().AppendLine("Reviewer error (against gold items and colleagues' settled double reviews):").AppendLine();
            m.AppendLine("| reviewer | known failures caught | sensitivity (95%) | known good kept | specificity (95%) | unsure | gold |");
            m.AppendLine("|---|---:|---|---:|---|---:|---:|");
            foreach (var r in report.Notes.Reviewers)
                m.AppendLine($"| {Cell(r.Reviewer)} | {r.FailuresCaught} of {r.Failures} | {(r.Sensitivity is null ? "–" : Text.Interval(r.Sensitivity))} | {r.OksKept} of {r.Oks} | {(r.Specificity is null ? "–" : Text.Interval(r.Specificity))} | {r.Unsure} | {r.Gold} |");
        }
        foreach (var w in report.Notes.ReviewerWarnings)
            m.AppendLine().AppendLine($"> {Cell(w)}");
        return m.ToString();
    }

    private static void Weeks(StringBuilder m, IReadOnlyList<WeekPoint> weeks)
    {
        m.AppendLine("| week | samples | flag rate | reviewed | failure rate (95%) |");
        m.AppendLine("|---|---:|---:|---:|---|");
        foreach (var w in weeks)
            m.AppendLine($"| {w.Week} | {w.Samples} | {Text.Percent(w.FlagRate)} | {w.Reviewed} | {(w.Samples == 0 ? "no samples" : Text.Interval(w.FailureRate))} |");
        m.AppendLine();
    }

    /// <summary>A fence longer than any backtick run in the text, so the output cannot close it.</summary>
    private static string Fence(string text)
    {
        int longest = 0, run = 0;
        foreach (var ch in text)
        {
            run = ch == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }
        return new string('`', Math.Max(3, longest + 1));
    }

    /// <summary>Text for a table cell or list item: no line breaks, and characters Markdown would read as markup escaped.</summary>
    private static string Cell(string text)
    {
        var b = new StringBuilder(text.Length);
        foreach (var ch in text)
        {
            if (ch is '\r' or '\n')
                b.Append(' ');
            else if (ch is '|' or '\\' or '`' or '*' or '_' or '[' or ']' or '<' or '>' or '#' or '!')
                b.Append('\\').Append(ch);
            else
                b.Append(ch);
        }
        return b.ToString();
    }
}
