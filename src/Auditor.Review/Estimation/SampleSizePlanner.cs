namespace Auditor.Review.Estimation;

/// <summary>
/// How many more uniform reviews a cell needs for its rate interval to reach plus or minus the target.
/// The stratified variance is sum_h W_h^2 p_h (1 - p_h) / n_h with W_h = N_h / N. m more uniform reviews land in
/// stratum h in proportion W_h (the uniform draw ignores flags), so the half-width after m more is
/// z * sqrt(sum_h W_h^2 v_h / (n_h + m W_h)), decreasing in m; the smallest m meeting the target is found by
/// bisection. v_h uses the current estimate smoothed as (x + 1/2) / (n + 1), so a stratum with no failure yet
/// still counts as uncertain, and 1/4 (p = 1/2, the worst case) for a stratum with no review.
/// </summary>
public static class SampleSizePlanner
{
    public static PowerAssessment Assess(IReadOnlyList<Stratum> strata, long population, int reviewed, IntervalEstimate rate, EstimationOptions options)
    {
        var target = options.TargetHalfWidth;
        var halfWidth = rate.HalfWidth;
        var underPowered = !rate.Known || halfWidth > target;
        if (!underPowered)
            return new PowerAssessment(false, target, halfWidth, 0, true, null);

        var z = NormalDistribution.Quantile(1 - (1 - options.ConfidenceLevel) / 2);
        var additional = AdditionalUniformReviews(strata, population, z, target);
        // The normal approximation can call a skewed interval sufficient; an under-powered cell always needs at least one more.
        additional = Math.Max(additional, 1);
        var remaining = population - reviewed;
        var reachable = additional <= remaining;
        var note = rate.Known
            ? $"Under-powered: the interval is +/-{halfWidth:P2}; about {additional} more uniform reviews would bring it to +/-{target:P1}."
            : $"Under-powered: the rate is unknown; about {additional} more uniform reviews would bring it to +/-{target:P1}.";
        if (!reachable)
            note += $" This cell has only {remaining} unreviewed samples, so a week of this traffic cannot reach that precision; pool weeks or streams.";
        return new PowerAssessment(true, target, halfWidth, additional, reachable, note);
    }

    /// <summary>The smallest m with z * sqrt(sum W_h^2 v_h / (n_h + m W_h)) at most the target; int.MaxValue when not reachable.</summary>
    public static int AdditionalUniformReviews(IReadOnlyList<Stratum> strata, long population, double z, double targetHalfWidth)
    {
        if (population <= 0)
            return 0;
        var terms = strata.Where(s => s.Population > 0).Select(s =>
        {
            var w = (double)s.Population / population;
            var p = s.Reviewed > 0 ? (s.Failures + 0.5) / (s.Reviewed + 1) : 0.5;
            return (W: w, Numerator: w * w * p * (1 - p), s.Reviewed);
        }).ToArray();

        bool Enough(double m)
        {
            var variance = 0.0;
            foreach (var t in terms)
            {
                var n = t.Reviewed + m * t.W;
                if (n <= 0)
                    return false;
                variance += t.Numerator / n;
            }
            return z * Math.Sqrt(variance) <= targetHalfWidth;
        }

        if (Enough(0))
            return 0;
        double lo = 0, hi = 1;
        while (!Enough(hi))
        {
            hi *= 2;
            if (hi > int.MaxValue)
                return int.MaxValue;
        }
        while (hi - lo > 0.5)
        {
            var mid = (lo + hi) / 2;
            if (Enough(mid)) hi = mid; else lo = mid;
        }
        return (int)Math.Ceiling(hi);
    }
}
