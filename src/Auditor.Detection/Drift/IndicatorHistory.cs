using MathNet.Numerics.Distributions;

namespace Auditor.Detection.Drift;

/// <summary>One indicator rule's count over one hour of a stream's judged traffic (<c>indicator_hour_counters</c>).</summary>
public readonly record struct IndicatorHour(string Indicator, DateTimeOffset Hour, long Samples, long Met);

/// <summary>
/// The indicator baseline a training run takes from a stream's judged traffic: the rules' rates over every sample of the
/// window, worth as many samples as the hours' agreement allows. A rate that holds hour after hour is known from all of
/// them (binomial); a rate that swings from hour to hour (a batch of odd prompts, a busy region waking up) is not, and a
/// window is judged against that swing rather than against a precision the traffic does not have.
/// </summary>
public static class IndicatorHistory
{
    /// <summary>The hours count as agreeing unless Pearson's test of one rate rejects at this level.</summary>
    public const double HomogeneityLevel = 0.01;

    /// <summary>
    /// The baseline of <paramref name="hours"/>, or null unless every rule of <see cref="DriftIndicators.All"/> was counted
    /// over the same samples (a rule added by a later release has fewer until the window has passed).
    /// </summary>
    public static DriftIndicatorBaseline? Baseline(IEnumerable<IndicatorHour> hours)
    {
        ArgumentNullException.ThrowIfNull(hours);
        var byRule = hours.Where(h => h.Samples > 0).GroupBy(h => h.Indicator, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var rules = DriftIndicators.All;
        if (!rules.All(r => byRule.ContainsKey(r.Name)))
            return null;
        var total = byRule[rules[0].Name].Sum(h => h.Samples);
        if (rules.Any(r => byRule[r.Name].Sum(h => h.Samples) != total))
            return null;
        // One sample size serves every rule (the model keeps one): the smallest any rule is worth, which only widens the
        // others' posteriors.
        var worth = rules.Min(r => EffectiveSamples(byRule[r.Name].Select(h => (h.Samples, h.Met)).ToList()));
        var samples = (int)Math.Min(int.MaxValue, Math.Max(1, Math.Round(worth)));
        var counts = rules.Select(r => (int)Math.Round(byRule[r.Name].Sum(h => h.Met) * (double)samples / total)).ToArray();
        return new DriftIndicatorBaseline(samples, rules.Select(r => r.Name).ToArray(), counts);
    }

    /// <summary>
    /// How many samples one rule's pooled rate is worth: all of them when the hours agree on one rate (Pearson's
    /// chi-square of the hourly counts against the pooled rate, H - 1 degrees of freedom, does not reject at
    /// <see cref="HomogeneityLevel"/>); otherwise the strength of the beta distribution of hourly rates, by the method of
    /// moments (intra-class correlation rho from the chi-square statistic, worth 1 / rho - 1 samples).
    /// </summary>
    public static double EffectiveSamples(IReadOnlyList<(long Samples, long Met)> hours)
    {
        ArgumentNullException.ThrowIfNull(hours);
        double n = hours.Sum(h => (double)h.Samples), k = hours.Sum(h => (double)h.Met);
        var p = n == 0 ? 0 : k / n;
        if (hours.Count < 2 || p <= 0 || p >= 1)
            return n;
        var chi2 = hours.Sum(h => Math.Pow(h.Met - h.Samples * p, 2) / (h.Samples * p * (1 - p)));
        var df = hours.Count - 1;
        if (1 - ChiSquared.CDF(df, chi2) >= HomogeneityLevel)
            return n;
        var sumSquares = hours.Sum(h => (double)h.Samples * h.Samples);
        var rho = (chi2 - df) / (n - sumSquares / n - df);
        return rho <= 0 ? n : Math.Min(n, Math.Max(1, 1 / Math.Min(rho, 1) - 1));
    }
}
