using Auditor.Contracts.Events;
using Auditor.Detection.Drift;
using Auditor.Review.Estimation;
using Auditor.Storage.Drift;
using Auditor.Storage.Incidents;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Drift;

/// <summary>
/// One monitoring pass: flush this process's window sketches, sum every consumer's sketches, test the open recent,
/// hourly and daily windows and the just-closed ones of every stream in one Benjamini-Hochberg family, store new alerts, publish
/// each once as <see cref="DriftDetected"/>, and open (or join) the stream's drift incident.
/// </summary>
public sealed class DriftMonitor(DriftWindowSketches sketches, DriftWindowStore windows, DriftAlertStore alerts, SwappableDriftModels models,
    IncidentRecorder incidents, IBus bus, IOptionsMonitor<DriftOptions> options, TimeProvider clock)
{
    // One name per process: its rows are its running totals, replaced on each flush.
    private readonly string _consumer = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";

    public async Task<IReadOnlyList<StoredDriftAlert>> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await windows.SaveAsync(_consumer, sketches.Snapshot(), ct);
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
            await bus.Publish(new DriftDetected(added.AlertId, added.Model, added.Route, added.WindowKind, added.WindowStart, added.WindowEnd, added.Samples,
                added.Statistic, added.PValue, added.Effect, added.Features.Select(f => f.Feature).ToList(), added.Message, added.CreatedAt), ct);
            // An open drift incident for the stream absorbs further alerts; a new one alerts people through the outbox.
            await incidents.OpenFromDriftAsync(new StreamKey(added.Model, added.Route), added.WindowStart, added.WindowEnd, added.Message, ct);
        }
        sketches.Prune(today.AddDays(-1));
        await windows.PruneAsync(today.AddDays(-3), ct);
        return raised;
    }
}

/// <summary>Runs <see cref="DriftMonitor"/> every Auditor:Drift:MonitorSeconds.</summary>
public sealed partial class DriftMonitorJob(DriftMonitor monitor, IOptionsMonitor<DriftOptions> options, TimeProvider clock, ILogger<DriftMonitorJob> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.CurrentValue.MonitorSeconds), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                foreach (var alert in await monitor.RunAsync(stoppingToken))
                    LogAlert(alert.Message);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drift: {Message}")]
    private partial void LogAlert(string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drift monitoring pass failed; sketches are kept for the next one")]
    private partial void LogFailed(Exception exception);
}
