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

/// <summary>What one scan opened.</summary>
public sealed record IncidentScanResult(IReadOnlyList<Incident> Opened, int StreamsJudged, int StreamsWithoutBaseline);

/// <summary>
/// One pass of incident detection: the flag-rate CUSUM over every stream's recent hours, then clusters of confirmed
/// failures. A stream whose incident of that source was resolved is only scanned from the resolution on, so closing an
/// incident is not undone by the next scan over the same hours. Runs from the server's job or a test, with any clock.
/// </summary>
public sealed class IncidentScanner(IncidentSignalReader signals, IncidentStore store, IncidentRecorder recorder, TimeProvider clock)
{
    public async Task<IncidentScanResult> ScanAsync(IncidentScanOptions options, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var thisHour = new DateTimeOffset(now.UtcDateTime.Year, now.UtcDateTime.Month, now.UtcDateTime.Day, now.UtcDateTime.Hour, 0, 0, TimeSpan.Zero);
        var scanFrom = thisHour.AddHours(-options.Cusum.ScanHours + 1);
        var closed = await store.LastClosedAsync(ct);
        var opened = new List<Incident>();
        int judged = 0, noBaseline = 0;

        var series = await signals.HourlyFlagsAsync(scanFrom.AddHours(-options.Cusum.BaselineHours), thisHour.AddHours(1), ct);
        foreach (var (stream, hours) in series)
        {
            var from = scanFrom;
            if (closed.TryGetValue((stream, IncidentSources.FlagRate, ""), out var resolvedAt) && resolvedAt >= from)
                from = new DateTimeOffset(resolvedAt.UtcDateTime.Year, resolvedAt.UtcDateTime.Month, resolvedAt.UtcDateTime.Day, resolvedAt.UtcDateTime.Hour, 0, 0, TimeSpan.Zero).AddHours(1);
            var alarm = FlagRateCusum.Detect(stream, hours, from, options.Cusum);
            var baselineSamples = hours.Where(h => h.Hour < from && h.Hour >= from.AddHours(-options.Cusum.BaselineHours)).Sum(h => h.Total);
            if (baselineSamples < options.Cusum.MinBaselineSamples)
                noBaseline++;
            else
                judged++;
            if (alarm is null)
                continue;
            // To the minute: the flagged samples' times from an hour before the CUSUM's onset hour to the end of the alarm hour.
            var window = (From: alarm.OnsetHour.AddHours(-1), To: alarm.AlarmHour.AddHours(1));
            var traffic = hours.Where(h => h.Hour >= window.From && h.Hour < window.To).Sum(h => h.Total) / (window.To - window.From).TotalMinutes;
            var flaggedTimes = await signals.FlaggedTimesAsync(stream, window.From, window.To, ct);
            alarm = alarm with { Onset = FlagOnset.Estimate(flaggedTimes, window.From, window.To, alarm.BaselineRate * traffic) };
            if ((await recorder.OpenFromFlagRateAsync(alarm, ct)) is { New: true } o)
                opened.Add(o.Incident);
        }

        var failures = await signals.ConfirmedFailuresAsync(now - options.Window, ct);
        var fresh = failures.Where(f => !closed.TryGetValue((f.Stream, IncidentSources.Reviews, f.Category), out var at) || f.OccurredAt > at);
        foreach (var cluster in ConfirmedFailureClusters.Find(fresh, options.ReviewMinFailures, options.Window))
            if ((await recorder.OpenFromReviewsAsync(cluster, ct)) is { New: true } o)
                opened.Add(o.Incident);

        return new IncidentScanResult(opened, judged, noBaseline);
    }
}
