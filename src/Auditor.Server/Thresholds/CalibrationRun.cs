using Auditor.Contracts.Events;
using Auditor.Detection;
using Auditor.Review.Calibration;
using Auditor.Server.Hosting;
using Auditor.Storage.Thresholds;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Thresholds;

/// <summary>What calibration did for one detector on one stream.</summary>
public sealed record CalibrationReport(string Detector, string Model, string Route, string Action, CalibrationOutcome? Outcome, long? VersionId);

/// <summary>What calibration concludes for one detector on one stream before anything is written.</summary>
/// <param name="Mode">"auto" (applied at once) or "propose" (an admin approves).</param>
/// <param name="Current">Precision and recall at the current threshold from the labels so far, even when they are too few to calibrate.</param>
public sealed record CalibrationPlan(string Detector, string Model, string Route, string Mode, bool Pinned, CalibrationOutcome Outcome, long? ActiveVersionId,
    ThresholdPoint? Current = null);

/// <summary>
/// Runs calibration for every detector and stream with reviewed items: auto mode activates the new threshold and
/// tells every consumer; propose mode records it for an admin. Pinned streams are left alone.
/// </summary>
public sealed class CalibrationRun(
    CalibrationLabels labels, ThresholdStore store, DetectorRegistry detectors,
    ThresholdTable table, IBus bus, IOptionsMonitor<CalibrationOptions> options, TimeProvider clock)
{
    private readonly SemaphoreSlim _one = new(1, 1);

    /// <summary>
    /// What calibration would do now for every detector and stream with reviewed items, written nowhere: the thresholds
    /// page shows it as a table (mode, current and proposed threshold, labels against the minimum, precision and recall
    /// before and after).
    /// </summary>
    public async Task<IReadOnlyList<CalibrationPlan>> PlanAsync(CancellationToken ct)
    {
        var config = options.CurrentValue;
        var active = (await store.ActiveAsync(ct)).ToDictionary(v => (v.Detector, v.Model, v.Route));
        var plans = new List<CalibrationPlan>();
        // Read, then the one verdict rule (pure), then the calibrator (pure).
        foreach (var stream in StreamLabels.From(await labels.ReadAsync(ct)))
        {
            var detector = detectors.Detectors.FirstOrDefault(d => d.Name == stream.Detector);
            if (detector is null)
                continue;
            var pinned = active.TryGetValue((stream.Detector, stream.Model, stream.Route), out var current) && current.Pinned;
            var threshold = detectors.SettingsFor(detector, stream.Model, stream.Route).Threshold;
            plans.Add(new CalibrationPlan(stream.Detector, stream.Model, stream.Route, config.IsAuto(stream.Detector) ? "auto" : "propose",
                pinned, ThresholdCalibrator.Calibrate(stream.Labels, threshold, config.Policy), current?.VersionId,
                ThresholdCalibrator.Measure(stream.Labels, threshold, config.Policy.Confidence)));
        }
        return plans;
    }

    public async Task<IReadOnlyList<CalibrationReport>> RunAsync(string by, CancellationToken ct)
    {
        await _one.WaitAsync(ct);
        try
        {
            var pending = (await store.HistoryAsync(1000, ct)).Where(v => v.Status == "proposed").ToList();
            var reports = new List<CalibrationReport>();
            foreach (var plan in await PlanAsync(ct))
            {
                var (detector, model, route, outcome) = (plan.Detector, plan.Model, plan.Route, plan.Outcome);
                if (plan.Pinned)
                {
                    reports.Add(new(detector, model, route, "pinned: left as it is", null, plan.ActiveVersionId));
                    continue;
                }
                if (!outcome.Changed)
                {
                    reports.Add(new(detector, model, route, "unchanged", outcome, null));
                    continue;
                }
                var version = new NewThresholdVersion(detector, model, route, outcome.ProposedThreshold, by, outcome.Reason, outcome);
                if (plan.Mode == "auto")
                {
                    var v = await store.ActivateAsync(version, ct);
                    await AnnounceAsync(v, ct);
                    reports.Add(new(detector, model, route, "applied", outcome, v.VersionId));
                }
                else if (pending.Any(p => p.Detector == detector && p.Model == model && p.Route == route && Math.Abs(p.Threshold - outcome.ProposedThreshold) < 1e-12))
                {
                    reports.Add(new(detector, model, route, "already proposed", outcome, null));
                }
                else
                {
                    var v = await store.ProposeAsync(version, ct);
                    reports.Add(new(detector, model, route, "proposed", outcome, v.VersionId));
                }
            }
            return reports;
        }
        finally
        {
            _one.Release();
        }
    }

    /// <summary>Reloads here at once and tells every other consumer process.</summary>
    public async Task AnnounceAsync(ThresholdVersion version, CancellationToken ct)
    {
        await table.ReloadAsync(ct);
        await bus.Publish(new ThresholdsChanged(version.VersionId, version.Detector, version.Model, version.Route, version.Threshold, clock.GetUtcNow()), ct);
    }
}

/// <summary>Runs calibration on a schedule (Auditor:Calibration:IntervalMinutes).</summary>
public sealed partial class CalibrationJob(CalibrationRun run, IOptionsMonitor<CalibrationOptions> options, TimeProvider clock, ILogger<CalibrationJob> logger)
    : PeriodicJob(clock)
{
    protected override TimeSpan Period => TimeSpan.FromMinutes(Math.Max(1, options.CurrentValue.IntervalMinutes));

    protected override FirstStep FirstStep => FirstStep.AfterOnePeriod;

    protected override async Task StepAsync(CancellationToken ct)
    {
        var reports = await run.RunAsync("calibration job", ct);
        LogRan(reports.Count(r => r.Action == "applied"), reports.Count(r => r.Action == "proposed"), reports.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Calibration: {Applied} thresholds applied, {Proposed} proposed, over {Streams} detector-streams")]
    private partial void LogRan(int applied, int proposed, int streams);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Calibration failed; it runs again at the next interval")]
    protected override partial void LogStepFailed(Exception exception);
}
