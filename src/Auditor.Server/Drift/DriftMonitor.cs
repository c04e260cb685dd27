using Auditor.Detection.Drift;
using Auditor.Server.Hosting;
using Auditor.Storage.Drift;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Drift;

/// <summary>
/// One monitoring pass: flush this process's window sketches, sum every consumer's sketches, test the open recent,
/// hourly and daily windows and the just-closed ones of every stream in one Benjamini-Hochberg family, and store new
/// alerts (the store writes each alert's DriftDetected to the alert outbox and opens or joins the stream's drift
/// incident in the alert's transaction).
/// </summary>
public sealed class DriftMonitor(DriftWindowSketches sketches, DriftWindowStore windows, DriftAlertStore alerts, SwappableDriftModels models,
    IOptionsMonitor<DriftOptions> options, TimeProvider clock)
{
    // One name per process: its rows are its running totals, replaced on each flush.
    private readonly string _consumer = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";

    /// <summary>Writes this process's running window totals (each flush replaces its previous rows).</summary>
    public Task FlushAsync(CancellationToken ct) => windows.SaveAsync(_consumer, sketches.Snapshot(), ct);

    public async Task<IReadOnlyList<StoredDriftAlert>> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await FlushAsync(ct);
        var t = now.UtcDateTime;
        var today = new DateTimeOffset(t.Year, t.Month, t.Day, 0, 0, 0, TimeSpan.Zero);
        var stored = await windows.ReadAsync(today.AddDays(-1), ct);
        var tested = new List<DriftWindow>();
        foreach (var model in models.Current.Values)
        {
            // The open windows, and the ones that just closed (their last flushes may have come after the previous pass).
            tested.AddRange(DriftReplay.OpenWindows(model, stored, now));
            tested.AddRange(DriftReplay.OpenWindows(model, stored, now.AddHours(-1)).Where(w => w.Kind == "hourly"));
            if (now - today < TimeSpan.FromHours(1))
                tested.AddRange(DriftReplay.OpenWindows(model, stored, today.AddMinutes(-1)).Where(w => w.Kind == "daily"));
        }
        var raised = new List<StoredDriftAlert>();
        foreach (var alert in WindowDriftEvaluator.Evaluate(tested, new WindowDriftOptions { Alpha = options.CurrentValue.Alpha }))
        {
            // A recent window slides every 10 minutes: while a drift lasts, one alert an hour is enough.
            if (alert.WindowKind == "recent" && (await alerts.ListAsync(1, ct, alert.Model, alert.Route)).FirstOrDefault() is { } last
                && now - last.CreatedAt < TimeSpan.FromHours(1))
                continue;
            var added = await alerts.TryAddAsync(alert, ct);
            if (added is null)
                continue;
            raised.Add(added);
        }
        sketches.Prune(today.AddDays(-1));
        await windows.PruneAsync(today.AddDays(-3), ct);
        return raised;
    }
}

/// <summary>Runs <see cref="DriftMonitor"/> every Auditor:Drift:MonitorSeconds.</summary>
public sealed partial class DriftMonitorJob(DriftMonitor monitor, IOptionsMonitor<DriftOptions> options, TimeProvider clock, ILogger<DriftMonitorJob> logger)
    : PeriodicJob(clock)
{
    protected override TimeSpan Period => TimeSpan.FromSeconds(options.CurrentValue.MonitorSeconds);

    protected override FirstStep FirstStep => FirstStep.AfterOnePeriod;

    protected override async Task StepAsync(CancellationToken ct)
    {
        foreach (var alert in await monitor.RunAsync(ct))
            LogAlert(alert.Message);
    }

    /// <summary>
    /// On a graceful stop the counts judged since the last pass are flushed, so only a killed process loses them (at most
    /// MonitorSeconds of its own samples).
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await monitor.FlushAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            LogFlushFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drift: {Message}")]
    private partial void LogAlert(string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drift: flushing window counts at shutdown failed; the counts since the last pass are lost")]
    private partial void LogFlushFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drift monitoring pass failed; sketches are kept for the next one")]
    protected override partial void LogStepFailed(Exception exception);
}
