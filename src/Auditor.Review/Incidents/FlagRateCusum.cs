using Auditor.Review.Estimation;

namespace Auditor.Review.Incidents;

/// <summary>One stream-hour: samples counted and how many a detector flagged.</summary>
public sealed record HourlyFlags(DateTimeOffset Hour, long Total, long Flagged);

/// <summary>How the flag-rate CUSUM judges a stream.</summary>
/// <param name="BaselineHours">Hours before the scan window whose pooled flag rate is the stream's own baseline p0.</param>
/// <param name="ScanHours">The most recent hours scanned for a rise.</param>
/// <param name="MinBaselineSamples">Below this many baseline samples the stream is not judged (no baseline yet).</param>
/// <param name="RelativeIncrease">The rate the test is tuned to detect: p1 = max(p0 x this, p0 + MinAbsoluteIncrease).</param>
/// <param name="MinAbsoluteIncrease">See RelativeIncrease; keeps p1 meaningful when p0 is tiny.</param>
/// <param name="DecisionThreshold">h: alarm when the log-likelihood-ratio CUSUM exceeds it (10 = odds of 22,000 to 1 for a rise).</param>
public sealed record CusumOptions(
    int BaselineHours = 168,
    int ScanHours = 48,
    long MinBaselineSamples = 200,
    double RelativeIncrease = 2.0,
    double MinAbsoluteIncrease = 0.02,
    double DecisionThreshold = 10.0)
{
    public static CusumOptions Default { get; } = new();
}

/// <summary>A rise in a deployment's flag rate: the CUSUM's change-point estimate (onset) and the hour it crossed h.</summary>
/// <remarks>
/// Onset, when set, is the minute the rise began (<see cref="FlagOnset"/>, from the flagged samples' times), with its
/// interval. SmoothedBaselineRate is the p0 the CUSUM tested against (<see cref="FlagRateCusum.Smoothed"/>), never 0.
/// Deployment is the deployment judged ("" for samples that named none); null when a caller judged a stream's
/// hours summed over its deployments. StreamBaseline: the deployment had too little history of its own and was judged
/// against its stream's pooled baseline (a new deployment against the ones it joins).
/// </remarks>
public sealed record FlagRateAlarm(
    StreamKey Stream, DateTimeOffset OnsetHour, DateTimeOffset AlarmHour, double BaselineRate, double RateSinceOnset,
    long SamplesSinceOnset, double Statistic, OnsetEstimate? Onset = null, string? Deployment = null, bool StreamBaseline = false,
    double SmoothedBaselineRate = 0)
{
    /// <summary>The onset to report: the minute when known, else the CUSUM's hour.</summary>
    public DateTimeOffset OnsetAt => Onset?.Onset ?? OnsetHour;

    private string Subject => Deployment is null ? $"{Stream}" : $"{Stream} on deployment {DeploymentName.Display(Deployment)}";

    private string Baseline => StreamBaseline ? "the stream's baseline" : "a baseline";

    public string Summary => Onset is { } o
        ? $"Flag rate of {Subject} rose from {Baseline} of {BaselineRate:P2} to {RateSinceOnset:P2} over {SamplesSinceOnset} samples since {o.Onset:yyyy-MM-dd HH:mm}Z (between {o.Earliest:HH:mm} and {o.Latest:HH:mm}; CUSUM {Statistic:F1})."
        : $"Flag rate of {Subject} rose from {Baseline} of {BaselineRate:P2} to {RateSinceOnset:P2} over {SamplesSinceOnset} samples since {OnsetHour:yyyy-MM-dd HH:mm}Z (CUSUM {Statistic:F1}).";
}

/// <summary>
/// Bernoulli CUSUM on hourly flag counts against the stream's own baseline. Each hour adds the log-likelihood ratio
/// of its counts under the raised rate p1 against the baseline p0: x ln(p1/p0) + (n - x) ln((1-p1)/(1-p0)); the sum
/// is floored at 0 and alarms above h. The onset estimate is the first hour after the sum last stood at 0, which is
/// the maximum-likelihood change point for a step from p0 to p1 (Page, 1954). Counts, not rates, enter the sum, so a
/// quiet hour weighs little and a busy one much; that is why it works on hourly data with uneven traffic.
/// </summary>
public static class FlagRateCusum
{
    /// <summary>Judges one stream's hours (any order; missing hours count as empty). Null when no rise, or no baseline yet.</summary>
    public static FlagRateAlarm? Detect(StreamKey stream, IEnumerable<HourlyFlags> hours, DateTimeOffset scanFrom, CusumOptions? options = null) =>
        Detect(stream, null, hours, null, scanFrom, options);

    /// <summary>
    /// Judges one deployment's hours against its own baseline, or, when it has fewer than MinBaselineSamples baseline
    /// samples of its own (a deployment that just started), against <paramref name="streamHours"/>: the hours of its
    /// stream summed over every deployment. Null when no rise, or neither has a baseline.
    /// </summary>
    public static FlagRateAlarm? Detect(StreamKey stream, string? deployment, IEnumerable<HourlyFlags> hours, IEnumerable<HourlyFlags>? streamHours,
        DateTimeOffset scanFrom, CusumOptions? options = null)
    {
        options ??= CusumOptions.Default;
        var all = hours.OrderBy(h => h.Hour).ToArray();
        var (n0, x0) = BaselineOf(all, scanFrom, options);
        var streamBaseline = false;
        if (n0 < options.MinBaselineSamples && streamHours is not null)
        {
            (n0, x0) = BaselineOf(streamHours, scanFrom, options);
            streamBaseline = true;
        }
        if (n0 < options.MinBaselineSamples)
            return null;
        var p0 = Smoothed(x0, n0);
        var p1 = Math.Min(0.999, Math.Max(p0 * options.RelativeIncrease, p0 + options.MinAbsoluteIncrease));
        if (p1 <= p0)
            return null;
        double up = Math.Log(p1 / p0), down = Math.Log((1 - p1) / (1 - p0));

        double s = 0;
        DateTimeOffset? onset = null;
        foreach (var h in all.Where(h => h.Hour >= scanFrom))
        {
            var next = s + h.Flagged * up + (h.Total - h.Flagged) * down;
            if (next <= 0)
            {
                s = 0;
                onset = null;
                continue;
            }
            if (s == 0)
                onset = h.Hour;
            s = next;
            if (s > options.DecisionThreshold)
            {
                var since = all.Where(x => x.Hour >= onset!.Value && x.Hour <= h.Hour).ToArray();
                long n = since.Sum(x => x.Total), x1 = since.Sum(x => x.Flagged);
                return new FlagRateAlarm(stream, onset!.Value, h.Hour, (double)x0 / n0, n == 0 ? 0 : (double)x1 / n, n, s, null, deployment, streamBaseline, p0);
            }
        }
        return null;
    }

    /// <summary>
    /// The baseline rate p0 the test uses: Jeffreys-style smoothing keeps it off 0, so a stream that never flagged still
    /// has a finite log-ratio (and a new deployment's first flags a finite likelihood).
    /// </summary>
    public static double Smoothed(long flagged, long samples) => (flagged + 0.5) / (samples + 1.0);

    /// <summary>Samples and flags in the BaselineHours before scanFrom.</summary>
    public static (long Samples, long Flagged) BaselineOf(IEnumerable<HourlyFlags> hours, DateTimeOffset scanFrom, CusumOptions options)
    {
        long n = 0, x = 0;
        foreach (var h in hours)
            if (h.Hour < scanFrom && h.Hour >= scanFrom.AddHours(-options.BaselineHours))
            {
                n += h.Total;
                x += h.Flagged;
            }
        return (n, x);
    }
}
