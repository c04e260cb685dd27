using System.Text;
using System.Text.Json;
using Auditor.Review.Estimation;
using Auditor.Review.Incidents;
using Auditor.Review.Reports;

namespace Auditor.Storage.Incidents;

/// <summary>
/// Webhook bodies in Slack's incoming-webhook format (<c>{"text": ...}</c> with mrkdwn), which Mattermost, Rocket.Chat,
/// Discord's /slack endpoint and most chat tools also accept. Text from publishers is escaped as Slack asks (&amp; &lt; &gt;),
/// so a stream name cannot forge a link or a mention.
/// </summary>
public static class AlertPayloads
{
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    public static string IncidentWebhook(Incident i, string? publicUrl)
    {
        var text = new StringBuilder();
        text.Append($":rotating_light: *Incident #{i.IncidentId} opened* on `{Slack(i.Stream.Model)}/{Slack(i.Stream.Route)}`{(i.Deployment is null ? "" : $" deployment `{Slack(DeploymentName.Display(i.Deployment))}`")} ({Slack(i.Source)}{(i.Category.Length > 0 ? ", " + Slack(i.Category) : "")})\n");
        text.Append($"{Slack(i.Summary)}\n");
        text.Append($"Onset {i.OnsetAt.UtcDateTime:yyyy-MM-dd HH:mm}Z, detected {i.DetectedAt.UtcDateTime:yyyy-MM-dd HH:mm}Z by {Slack(i.DetectedBy)} (time to detection {i.TimeToDetection.TotalMinutes:0} min).");
        if (publicUrl is not null)
            text.Append($"\n<{publicUrl.TrimEnd('/')}/incidents#incident-{i.IncidentId}|Open in Auditor>");
        return JsonSerializer.Serialize(new { text = text.ToString() }, Json);
    }

    public static string ReportWebhook(WeeklyReport report, string? publicUrl)
    {
        var text = new StringBuilder($":bar_chart: *Auditor weekly report {report.Week}*\n");
        foreach (var line in report.Summary.Headline)
            text.Append("• ").Append(Slack(line)).Append('\n');
        if (publicUrl is not null)
            text.Append($"<{publicUrl.TrimEnd('/')}/reports?week={report.Week}|Full report>");
        return JsonSerializer.Serialize(new { text = text.ToString().TrimEnd('\n') }, Json);
    }

    private static string Slack(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
