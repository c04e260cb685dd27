using Auditor.Review.Incidents;

namespace Auditor.Storage.Incidents;

/// <summary>How the scan looks for incidents.</summary>
/// <param name="Cusum">The flag-rate CUSUM's settings (baseline and scan windows, sensitivity).</param>
/// <param name="ReviewMinFailures">Confirmed failures of one category in one stream that open an incident...</param>
/// <param name="ReviewWindow">...when they occurred within this window.</param>
public sealed record IncidentScanOptions(CusumOptions Cusum, int ReviewMinFailures = 3, TimeSpan? ReviewWindow = null)
{
    public static IncidentScanOptions Default { get; } = new(CusumOptions.Default);

    public TimeSpan Window => ReviewWindow ?? TimeSpan.FromHours(24);
}

/// <summary>What one scan opened; Judged and WithoutBaseline count deployments (a stream with one deployment counts once).</summary>
public sealed record IncidentScanResult(IReadOnlyList<Incident> Opened, int StreamsJudged, int StreamsWithoutBaseline);

/// <summary>
/// One pass of incident detection: the flag-rate CUSUM over every deployment of every stream's recent hours
/// (<see cref="DeploymentFlagScan"/>), then clusters of confirmed failures. A deployment whose flag-rate incident (or a
/// stream whose reviewer incident) was resolved is only scanned from the resolution on, so closing an incident is not
/// undone by the next scan over the same hours. Runs from the server's job or a test, with any clock.
/// </summary>
public sealed class IncidentScanner(IncidentSignalReader signals, IncidentStore store, IncidentRecorder recorder, TimeProvider clock)
{
    public async Task<IncidentScanResult> ScanAsync(IncidentScanOptions options, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var thisHour = UtcHour.Floor(now);
        var scanFrom = thisHour.AddHours(-options.Cusum.ScanHours + 1);
        var closed = await store.LastClosedAsync(ct);
        var opened = new List<Incident>();
        int judged = 0, noBaseline = 0;

        var series = await signals.HourlyFlagsAsync(scanFrom.AddHours(-options.Cusum.BaselineHours), thisHour.AddHours(1), ct);
        foreach (var (stream, byDeployment) in series)
        {
            DateTimeOffset From(string deployment) =>
                closed.TryGetValue((stream, deployment, IncidentSources.FlagRate, ""), out var resolvedAt) && resolvedAt >= scanFrom
                    ? UtcHour.Floor(resolvedAt).AddHours(1)
                    : scanFrom;
            var scan = DeploymentFlagScan.Detect(stream, byDeployment, From, options.Cusum);
            judged += scan.Judged;
            noBaseline += scan.WithoutBaseline;
            foreach (var alarm in scan.Alarms)
            {
                var deployment = alarm.Deployment ?? "";
                var (from, to) = DeploymentFlagScan.OnsetWindow(alarm);
                var timed = DeploymentFlagScan.WithOnset(alarm, byDeployment[deployment], await signals.FlaggedTimesAsync(stream, deployment, from, to, ct));
                if ((await recorder.OpenFromFlagRateAsync(timed, ct)) is { New: true } o)
                    opened.Add(o.Incident);
            }
        }

        var failures = await signals.ConfirmedFailuresAsync(now - options.Window, ct);
        var fresh = failures.Where(f => !closed.TryGetValue((f.Stream, "", IncidentSources.Reviews, f.Category), out var at) || f.OccurredAt > at);
        foreach (var cluster in ConfirmedFailureClusters.Find(fresh, options.ReviewMinFailures, options.Window))
            if ((await recorder.OpenFromReviewsAsync(cluster, ct)) is { New: true } o)
                opened.Add(o.Incident);

        return new IncidentScanResult(opened, judged, noBaseline);
    }
}
