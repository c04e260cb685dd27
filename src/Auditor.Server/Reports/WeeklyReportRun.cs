using Auditor.Review.Reports;
using Auditor.Server.Incidents;
using Auditor.Storage.Incidents;
using Auditor.Storage.Reports;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Reports;

/// <summary>Builds a week's report, stores it in every format, and queues it for the webhook when one is configured.</summary>
public sealed partial class WeeklyReportRun(
    WeeklyReportLoader loader, WeeklyReportStore store, AlertOutbox outbox, IOptionsMonitor<AlertOptions> alerts, ILogger<WeeklyReportRun> logger)
{
    public async Task<BuiltReport> RunAsync(IsoWeek week, CancellationToken ct)
    {
        var built = await loader.BuildAsync(week, ReportLinks.Default, ct);
        var r = built.Report;
        await store.SaveAsync(new StoredReport(r.Week, r.GeneratedAt, JsonReportRenderer.Render(r),
            MarkdownReportRenderer.Render(r, ReportApi.ChartLinks(r.Week)), HtmlReportRenderer.RenderDocument(r)), ct);
        var config = alerts.CurrentValue;
        if (!string.IsNullOrWhiteSpace(config.WebhookUrl))
            await outbox.EnqueueAsync(AlertChannels.Webhook, AlertKinds.WeeklyReport, AlertPayloads.ReportWebhook(r, config.PublicUrl), null, r.Week, ct);
        LogStored(r.Week, built.Elapsed.TotalMilliseconds);
        return built;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Weekly report {Week} built and stored in {Milliseconds:F0} ms")]
    private partial void LogStored(string week, double milliseconds);
}

/// <summary>
/// Runs the weekly report at Auditor:Reports:Day and :Time (UTC) for the last complete ISO week. At start it catches up a
/// run missed within the last week (the server was down at the scheduled time) unless that week is already stored.
/// </summary>
public sealed partial class WeeklyReportJob(
    WeeklyReportRun run, WeeklyReportStore store, IOptionsMonitor<ReportOptions> options, TimeProvider clock, ILogger<WeeklyReportJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.CurrentValue.Enabled || !options.CurrentValue.TryGetSchedule(out var schedule))
            return;
        try
        {
            var last = schedule.LastAtOrBefore(clock.GetUtcNow());
            var week = IsoWeek.LastComplete(last);
            if (await store.FindAsync(week.ToString(), stoppingToken) is null)
                await run.RunAsync(week, stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(ex);
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = schedule.NextAfter(clock.GetUtcNow());
            await Task.Delay(next - clock.GetUtcNow(), clock, stoppingToken);
            try
            {
                await run.RunAsync(IsoWeek.LastComplete(next), stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The weekly report run failed; it runs again at the next scheduled time (or POST /api/v1/reports/weekly/run)")]
    private partial void LogFailed(Exception exception);
}
