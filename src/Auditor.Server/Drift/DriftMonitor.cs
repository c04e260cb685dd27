using Auditor.Contracts.Events;
using Auditor.Detection.Drift;
using Auditor.Review.Estimation;
using Auditor.Server.Hosting;
using Auditor.Storage.Drift;
using Auditor.Storage.Incidents;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Drift;

/// <summary>Where <see cref="DriftMonitor"/> announces alerts (the bus; a seam so a failing publish can be tested).</summary>
public interface IDriftEventPublisher
{
    Task PublishAsync(DriftDetected message, CancellationToken ct);
}

/// <summary>Publishes <see cref="DriftDetected"/> on the MassTransit bus.</summary>
public sealed class BusDriftEventPublisher(IBus bus) : IDriftEventPublisher
{
    public Task PublishAsync(DriftDetected message, CancellationToken ct) => bus.Publish(message, ct);
}

/// <summary>
/// One monitoring pass: flush this process's window sketches, sum every consumer's sketches, test the open recent,
/// hourly and daily windows and the just-closed ones of every stream in one Benjamini-Hochberg family, store new alerts and
/// open (or join) the stream's drift incident, then publish every unpublished alert (this pass's and any earlier pass's
/// whose publish failed or whose process died) as <see cref="DriftDetected"/>, at least once each.
/// </summary>
public sealed partial class DriftMonitor(DriftWindowSketches sketches, DriftWindowStore windows, DriftAlertStore alerts, SwappableDriftModels models,
    IncidentRecorder incidents, IDriftEventPublisher publisher, IOptionsMonitor<DriftOptions> options, TimeProvider clock, ILogger<DriftMonitor> logger)
{
    // A claimed alert is left alone by other monitors this long: longer than a publish may take (the bus call is cut off
    // at PublishTimeout), so a second copy needs a process to die between the bus accepting the event and the mark.
    internal static readonly TimeSpan PublishLease = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(30);

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
        await PublishPendingAsync(ct);
        return raised;
    }

    /// <summary>
    /// Hands on every unpublished alert this monitor can claim: opens (or joins) the stream's drift incident, publishes
    /// DriftDetected, and marks the alert after both succeeded; a failure of either gives the claim back for the next pass,
    /// so neither the incident nor the event is lost. Returns how many were published.
    /// </summary>
    public async Task<int> PublishPendingAsync(CancellationToken ct)
    {
        var published = 0;
        foreach (var a in await alerts.ClaimUnpublishedAsync(100, PublishLease, ct))
        {
            try
            {
                // An open drift incident for the stream absorbs further alerts (opening is idempotent while it is open);
                // a new one alerts people through the incident outbox.
                await incidents.OpenFromDriftAsync(new StreamKey(a.Model, a.Route), a.WindowStart, a.WindowEnd, a.Message, ct);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(PublishTimeout);
                await publisher.PublishAsync(new DriftDetected(a.AlertId, a.Model, a.Route, a.WindowKind, a.WindowStart, a.WindowEnd, a.Samples,
                    a.Statistic, a.PValue, a.Effect, a.Features.Select(f => f.Feature).ToList(), a.Message, a.CreatedAt), timeout.Token);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                LogPublishFailed(ex, a.AlertId);
                await alerts.ReleaseAsync(a.AlertId, CancellationToken.None);
                continue;
            }
            await alerts.MarkPublishedAsync(a.AlertId, CancellationToken.None);
            published++;
        }
        return published;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drift: opening the incident or publishing DriftDetected for alert {AlertId} failed; retried on the next pass")]
    private partial void LogPublishFailed(Exception exception, long alertId);
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
