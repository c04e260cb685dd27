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

/// <summary>
/// Runs calibration for every detector and stream with reviewed items: auto mode activates the new threshold and
/// tells every consumer; propose mode records it for an admin. Pinned streams are left alone.
/// </summary>
public sealed class CalibrationRun(
    CalibrationLabels labels, ThresholdStore store, DetectorRegistry detectors,
    ThresholdTable table, IBus bus, IOptionsMonitor<CalibrationOptions> options, TimeProvider clock)
{
    private readonly SemaphoreSlim _one = new(1, 1);

    public async Task<IReadOnlyList<CalibrationReport>> RunAsync(string by, CancellationToken ct)
    {
        await _one.WaitAsync(ct);
        try
        {
            var config = options.CurrentValue;
            var active = (await store.ActiveAsync(ct)).ToDictionary(v => (v.Detector, v.Model, v.Route));
            var pending = (await store.HistoryAsync(1000, ct)).Where(v => v.Status == "proposed").ToList();
            var reports = new List<CalibrationReport>();
            // Read, then the one verdict rule (pure), then write per detector and stream.
            foreach (var stream in StreamLabels.From(await labels.ReadAsync(ct)))
            {
                var detector = detectors.Detectors.FirstOrDefault(d => d.Name == stream.Detector);
                if (detector is null)
                    continue;
                if (active.TryGetValue((stream.Detector, stream.Model, stream.Route), out var current) && current.Pinned)
                {
                    reports.Add(new(stream.Detector, stream.Model, stream.Route, "pinned: left as it is", null, current.VersionId));
                    continue;
                }
                var threshold = detectors.SettingsFor(detector, stream.Model, stream.Route).Threshold;
                var outcome = ThresholdCalibrator.Calibrate(stream.Labels, threshold, config.Policy);
                if (!outcome.Changed)
                {
                    reports.Add(new(stream.Detector, stream.Model, stream.Route, "unchanged", outcome, null));
                    continue;
                }
                var version = new NewThresholdVersion(stream.Detector, stream.Model, stream.Route, outcome.ProposedThreshold, by, outcome.Reason, outcome);
                if (config.IsAuto(stream.Detector))
                {
                    var v = await store.ActivateAsync(version, ct);
                    await AnnounceAsync(v, ct);
                    reports.Add(new(stream.Detector, stream.Model, stream.Route, "applied", outcome, v.VersionId));
                }
                else if (pending.Any(p => p.Detector == stream.Detector && p.Model == stream.Model && p.Route == stream.Route && Math.Abs(p.Threshold - outcome.ProposedThreshold) < 1e-12))
                {
                    reports.Add(new(stream.Detector, stream.Model, stream.Route, "already proposed", outcome, null));
                }
                else
                {
                    var v = await store.ProposeAsync(version, ct);
                    reports.Add(new(stream.Detector, stream.Model, stream.Route, "proposed", outcome, v.VersionId));
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
