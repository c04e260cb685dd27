namespace Auditor.Review.Incidents;

/// <summary>
/// An onset to the minute with its likelihood interval: the minutes whose log-likelihood is within 1.92 of the best. For a
/// change point that is not a 95% interval (the problem is not regular): it held the true minute in 175 of 200 simulated
/// runs (FlagOnsetTests).
/// </summary>
public sealed record OnsetEstimate(DateTimeOffset Onset, DateTimeOffset Earliest, DateTimeOffset Latest);

/// <summary>
/// The minute a stream's flag rate stepped up, from the times of its flagged samples. The hourly CUSUM gives the hour;
/// within it, flagged samples arrive as a Poisson process at the baseline rate lambda0 (baseline flag rate x the
/// stream's traffic per minute) before the change and at an unknown rate after it. The profile log-likelihood of a
/// change at tau is k_b ln(lambda0) - lambda0 (tau - from) + k_a ln(k_a / (to - tau)) - k_a (k_b, k_a flagged samples
/// before and after tau); the onset is its maximum over the minutes of [from, to), the interval the minutes within 1.92.
/// </summary>
public static class FlagOnset
{
    public static OnsetEstimate? Estimate(IReadOnlyList<DateTimeOffset> flaggedTimes, DateTimeOffset from, DateTimeOffset to, double baselinePerMinute)
    {
        var minutes = (int)Math.Floor((to - from).TotalMinutes);
        if (minutes < 2 || flaggedTimes.Count == 0 || !(baselinePerMinute > 0))
            return null;
        var at = flaggedTimes.Where(t => t >= from && t < to).Select(t => (t - from).TotalMinutes).Order().ToArray();
        if (at.Length == 0)
            return null;
        var logLambda0 = Math.Log(baselinePerMinute);
        var scores = new double[minutes];
        var before = 0;
        for (var m = 0; m < minutes; m++)
        {
            while (before < at.Length && at[before] < m)
                before++;
            var after = at.Length - before;
            var rest = (to - from).TotalMinutes - m;
            scores[m] = before * logLambda0 - baselinePerMinute * m + (after > 0 ? after * Math.Log(after / rest) - after : 0);
        }
        var best = Array.IndexOf(scores, scores.Max());
        var within = Enumerable.Range(0, minutes).Where(m => scores[m] >= scores[best] - 1.92).ToArray();
        return new OnsetEstimate(from.AddMinutes(best), from.AddMinutes(within.Min()), from.AddMinutes(within.Max()));
    }
}
