using Auditor.Review.Estimation;

namespace Auditor.Review.Incidents;

/// <summary>What the per-deployment scan of one stream found: its alarms, and how many deployments it could judge.</summary>
public sealed record DeploymentScanResult(IReadOnlyList<FlagRateAlarm> Alarms, int Judged, int WithoutBaseline);

/// <summary>
/// The flag-rate CUSUM run per deployment of a stream. Summing a stream's deployments hides a failure of one of them
/// behind the traffic of the others (a replica looping on a third of the traffic moves the stream's rate by a third as
/// much); judged alone, each deployment is compared with its own baseline, or with its stream's pooled baseline while it
/// has too little history of its own (a new build just rolled out). The onset is then refined to the minute from that
/// deployment's flagged samples (<see cref="FlagOnset"/>).
/// </summary>
public static class DeploymentFlagScan
{
    /// <summary>
    /// Judges every deployment of one stream. <paramref name="scanFrom"/> gives each deployment's first scanned hour
    /// (later than the scan window's start when an incident of that deployment was closed inside it).
    /// </summary>
    public static DeploymentScanResult Detect(StreamKey stream, IReadOnlyDictionary<string, IReadOnlyList<HourlyFlags>> byDeployment,
        Func<string, DateTimeOffset> scanFrom, CusumOptions options)
    {
        var pooled = byDeployment.Values.SelectMany(h => h).GroupBy(h => h.Hour)
            .Select(g => new HourlyFlags(g.Key, g.Sum(h => h.Total), g.Sum(h => h.Flagged))).ToList();
        var alarms = new List<FlagRateAlarm>();
        int judged = 0, without = 0;
        foreach (var (deployment, hours) in byDeployment.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            var from = scanFrom(deployment);
            var own = FlagRateCusum.BaselineOf(hours, from, options).Samples;
            var stream0 = FlagRateCusum.BaselineOf(pooled, from, options).Samples;
            if (own < options.MinBaselineSamples && stream0 < options.MinBaselineSamples)
                without++;
            else
                judged++;
            if (FlagRateCusum.Detect(stream, deployment, hours, pooled, from, options) is { } alarm)
                alarms.Add(alarm);
        }
        return new DeploymentScanResult(alarms, judged, without);
    }

    /// <summary>Where to look for the minute of the onset: an hour before the CUSUM's onset hour to the end of the alarm hour.</summary>
    public static (DateTimeOffset From, DateTimeOffset To) OnsetWindow(FlagRateAlarm alarm) => (alarm.OnsetHour.AddHours(-1), alarm.AlarmHour.AddHours(1));

    /// <summary>
    /// The alarm with its onset to the minute, from the deployment's flagged samples' times in <see cref="OnsetWindow"/>:
    /// the baseline flags per minute are the CUSUM's (smoothed) baseline rate times the deployment's traffic per minute in
    /// that window. Smoothed, because a baseline that never flagged (the demo's healthy streams) would otherwise give
    /// no onset at all, and the incident would fall back to the CUSUM's hour.
    /// </summary>
    public static FlagRateAlarm WithOnset(FlagRateAlarm alarm, IEnumerable<HourlyFlags> hours, IReadOnlyList<DateTimeOffset> flaggedTimes)
    {
        var (from, to) = OnsetWindow(alarm);
        var traffic = hours.Where(h => h.Hour >= from && h.Hour < to).Sum(h => h.Total) / (to - from).TotalMinutes;
        return alarm with { Onset = FlagOnset.Estimate(flaggedTimes, from, to, (alarm.SmoothedBaselineRate > 0 ? alarm.SmoothedBaselineRate : alarm.BaselineRate) * traffic) };
    }
}
