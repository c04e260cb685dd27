namespace Auditor.Review.Estimation;

/// <summary>
/// The failure rate, precision and recall over many strata (the all-streams cell: two strata per stream), by the
/// design-based stratified estimator. A per-stratum posterior with a half-count prior, summed over a hundred sparse
/// strata, lifts the total by several standard errors (issue #16); here the point is the design-unbiased
/// p = sum_h N_h p_h / N and the uncertainty is the stratified variance, so nothing is added per stratum.
/// <list type="bullet">
/// <item>Per stratum, Var(p_h) = (1 - n_h / N_h) q_h (1 - q_h) / n_h, with q_h = (x_h + m_g) / (n_h + 1) shrunk by one
/// review's worth towards its flag group's pooled rate m_g: a stratum with no failure among 12 reviews is not certain to
/// have none (the plain p_h (1 - p_h) would say it is), and the shrinkage adds no bias to the point.</item>
/// <item>Strata with traffic but no decisive review are collapsed into their flag group: the group's measured strata
/// stand for them (weights scaled by N_g / N_measured), and each adds the variance of an unknown rate with the group's
/// mean, at most m_g (1 - m_g) (any rate in [0, 1] with mean m varies by at most that). Only a flag group with no
/// decisive review anywhere is bounded (its rate at 0 and at 1).</item>
/// <item>Each flag group's rate gets Wilson's score interval at its effective sample size n* = min(p (1 - p) / Var(p), the
/// design's own 1 / sum W_h^2 (1 - f_h) / n_h): with few failures the direct variance is as noisy as the point, and the
/// design's size does not depend on them. The two groups are combined by MOVER (Zou and Donner: each side's distance
/// recovered as a variance and summed), which keeps Wilson's asymmetry near 0, stays in [0, 1] and holds the point.</item>
/// <item>Recall = T_F / (T_F + T_U) from independent draws of each flag group's rate (Jeffreys on the group's
/// effective counts). With no failure among the unflagged reviews it is reported as a lower bound (AtLeast).</item>
/// </list>
/// Validated by simulation at 50 and 500 streams with sparse strata: docs/statistics.md.
/// </summary>
public static class DesignBasedEstimator
{
    public static StratifiedEstimate Estimate(IReadOnlyList<Stratum> strata, EstimationOptions? options = null)
    {
        options = (options ?? EstimationOptions.Default).Validated();
        var totals = StrataTotals.Of(strata);
        var (population, flaggedPopulation, reviewed, failures, naive, warnings) = totals;
        if (population == 0)
            return totals.Empty(options);

        var flagged = Group.Of(strata.Where(s => s.Flagged));
        var unflagged = Group.Of(strata.Where(s => !s.Flagged));
        var z = NormalDistribution.Quantile(1 - (1 - options.ConfidenceLevel) / 2);

        var rate = Combine([flagged, unflagged], population, z, "all strata");
        var collapsed = flagged.UnknownStrata + unflagged.UnknownStrata;
        if (collapsed > 0 && rate.Known)
            rate = rate with { Note = $"{collapsed} strata without a decisive review ({flagged.UnknownPopulation + unflagged.UnknownPopulation:N0} samples) are estimated by the rest of their flag group, with the variance of an unknown rate added." };
        var precision = flaggedPopulation == 0
            ? IntervalEstimate.Unknown("No flagged samples: precision is undefined.")
            : Combine([flagged], flaggedPopulation, z, "flagged strata") is var p && p.Known
                ? p with { Note = "Failure rate among flagged samples; reviewed flagged items from the uniform and the flagged draws together are a simple random sample of them." }
                : p;
        var recall = Recall(flagged, unflagged, options);
        var power = SampleSizePlanner.Assess(strata.Where(s => s.Population > 0).ToList(), population, reviewed, rate, options);
        return new StratifiedEstimate(rate, precision, recall, population, flaggedPopulation, reviewed, failures, power, naive, warnings);
    }

    /// <summary>Only the rate over the strata given (a detector's precision over the strata of what it flagged).</summary>
    public static IntervalEstimate EstimateRate(IReadOnlyList<Stratum> strata, EstimationOptions? options = null)
    {
        options = (options ?? EstimationOptions.Default).Validated();
        foreach (var s in strata)
            s.Validated();
        var population = strata.Sum(s => s.Population);
        if (population == 0)
            return IntervalEstimate.Unknown("No samples in this cell.");
        return Combine([Group.Of(strata)], population, NormalDistribution.Quantile(1 - (1 - options.ConfidenceLevel) / 2), "these strata");
    }

    private static IntervalEstimate Combine(Group[] groups, long population, double z, string what)
    {
        var bounded = groups.Where(g => g.Bounded).ToArray();
        var known = groups.Where(g => !g.Bounded).ToArray();
        double knownPopulation = known.Sum(g => g.Population);
        if (knownPopulation == 0)
            return IntervalEstimate.Unknown($"Unknown: no decisive review in {what}; the interval spans every rate.");
        // MOVER (Zou and Donner): each group's Wilson limits, recovered into the variance of the weighted sum on each side.
        var p = Math.Clamp(known.Sum(g => g.Total) / knownPopulation, 0, 1);
        double below = 0, above = 0;
        foreach (var g in known)
        {
            var w = g.Population / knownPopulation;
            var (lo, hi) = g.Interval(z);
            below += Square(w * (g.Rate - lo));
            above += Square(w * (hi - g.Rate));
        }
        var lower = Math.Clamp(p - Math.Sqrt(below), 0, p);
        var upper = Math.Clamp(p + Math.Sqrt(above), p, 1);
        if (bounded.Length == 0)
            return new IntervalEstimate(p, lower, upper);
        // A whole flag group without a decisive review: its rate can be anything, so it is bounded, not guessed.
        var unknownShare = (double)bounded.Sum(g => g.Population) / population;
        return new IntervalEstimate(null, lower * (1 - unknownShare), Math.Min(1, upper * (1 - unknownShare) + unknownShare),
            $"Unknown: no decisive review in {string.Join(" or ", bounded.Select(g => g.Label))} of {what}; the interval spans every rate those samples could have.");
    }

    /// <summary>Wilson's score interval for a rate p at effective sample size n (infinite: known exactly).</summary>
    internal static (double Lower, double Upper) Wilson(double p, double n, double z)
    {
        if (double.IsPositiveInfinity(n))
            return (p, p); // every stratum reviewed in full
        var z2 = z * z;
        var centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        var half = z / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return (Math.Clamp(Math.Min(centre - half, p), 0, 1), Math.Clamp(Math.Max(centre + half, p), 0, 1));
    }

    private static IntervalEstimate Recall(Group flagged, Group unflagged, EstimationOptions options)
    {
        var basis = $"Recall rests on the reviews of unflagged samples, which come only from the uniform draw ({unflagged.Reviewed} decisive reviews of {unflagged.Population} unflagged samples).";
        if (flagged.Population == 0 && unflagged.Population == 0)
            return IntervalEstimate.Unknown("No samples in this cell.");
        if (flagged.Bounded || unflagged.Bounded)
            return IntervalEstimate.Unknown($"Unknown: a flag group has no decisive review. {basis}");

        var sampler = new PosteriorSampler(options.Seed);
        var draws = new double[options.Draws];
        for (var d = 0; d < draws.Length; d++)
        {
            double caught = flagged.Draw(sampler), missed = unflagged.Draw(sampler);
            draws[d] = caught + missed > 0 ? caught / (caught + missed) : double.NaN;
        }
        var defined = draws.Where(double.IsFinite).Order().ToArray();
        var alpha = 1 - options.ConfidenceLevel;
        double lower = defined.Length > 0 ? StratifiedRateEstimator.Percentile(defined, alpha / 2) : 0;
        double upper = defined.Length > 0 ? StratifiedRateEstimator.Percentile(defined, 1 - alpha / 2) : 1;

        if (flagged.Total + unflagged.Total <= 0)
            return new IntervalEstimate(null, 0, 1, $"No failure was found, so recall has no point estimate. {basis}");
        if (unflagged.Total <= 0)
            return new IntervalEstimate(null, lower, 1,
                $"No failure was found among the {unflagged.Reviewed} reviewed unflagged samples, so recall is known only from below: at least {lower:P0}. {basis}", AtLeast: true);
        var value = flagged.Total / (flagged.Total + unflagged.Total);
        // The percentile interval of the draws and the design point come from slightly different models; the reported
        // interval is widened to hold the point rather than print a point outside its own interval.
        return new IntervalEstimate(value, Math.Min(lower, value), Math.Max(upper, value), basis);
    }

    private static double Square(double x) => x * x;

    /// <summary>
    /// One flag group (the flagged or the unflagged strata of every stream): its estimated failures (Total, in samples),
    /// their variance, and 1 / Kish's effective sample size of its rate (sum over measured strata of the squared scaled
    /// weight times (1 - f_h) / n_h).
    /// </summary>
    private sealed record Group(string Label, long Population, int Reviewed, int Failures, double Total, double Variance, double InverseKish, bool Bounded,
        int UnknownStrata, long UnknownPopulation)
    {
        public static Group Of(IEnumerable<Stratum> strata)
        {
            var all = strata.Where(s => s.Population > 0).ToArray();
            var label = all.Length > 0 && all.All(s => s.Flagged) ? "the flagged samples" : all.All(s => !s.Flagged) ? "the unflagged samples" : "the strata";
            var measured = all.Where(s => s.Reviewed > 0).ToArray();
            var unknown = all.Where(s => s.Reviewed == 0).ToArray();
            long population = all.Sum(s => s.Population), measuredPopulation = measured.Sum(s => s.Population);
            var reviewed = measured.Sum(s => s.Reviewed);
            if (population > 0 && measured.Length == 0)
                return new Group(label, population, 0, 0, 0, 0, 0, true, unknown.Length, population);
            if (population == 0)
                return new Group(label, 0, reviewed, 0, 0, 0, 0, false, 0, 0);

            var scale = (double)population / measuredPopulation;
            var mean = measured.Sum(s => s.Population * s.ObservedRate!.Value) / measuredPopulation;
            double total = 0, variance = 0, inverseKish = 0;
            foreach (var s in measured)
            {
                var weight = scale * s.Population; // samples this stratum's rate stands for
                total += weight * s.ObservedRate!.Value;
                var fpc = Math.Max(0, 1 - (double)s.Reviewed / s.Population);
                var q = (s.Failures + mean) / (s.Reviewed + 1.0);
                variance += weight * weight * fpc * q * (1 - q) / Math.Max(s.Reviewed - 1, 1);
                inverseKish += Square(weight / population) * fpc / s.Reviewed;
            }
            foreach (var s in unknown)
            {
                variance += Square(s.Population) * mean * (1 - mean);
                inverseKish += Square((double)s.Population / population);
            }
            return new Group(label, population, reviewed, measured.Sum(s => s.Failures), total, variance, inverseKish, false, unknown.Length, unknown.Sum(s => s.Population));
        }

        private const int SettledCounts = 20;

        public double Rate => Population > 0 ? Total / Population : 0;

        /// <summary>
        /// The smaller of the two effective sizes: with few failures the direct variance is as noisy as the point (a week
        /// that happened to see few failures also sees little variance), while the design's own size, 1 / sum W_h^2 (1 - f_h) / n_h,
        /// does not depend on them; when failures sit in heavily weighted strata the direct variance is the larger and wins.
        /// With at least <see cref="SettledCounts"/> reviewed failures and as many reviewed non-failures the direct variance
        /// is itself well estimated and is used alone (the design's size assumes one rate in every stratum, which
        /// overstates the variance when the strata differ, as flagged strata's precision does from stream to stream).
        /// </summary>
        public double EffectiveSize
        {
            get
            {
                var p = Rate;
                var rateVariance = Variance / Square(Population);
                var direct = rateVariance > 0 && p > 0 && p < 1 ? p * (1 - p) / rateVariance : double.PositiveInfinity;
                if (Failures >= SettledCounts && Reviewed - Failures >= SettledCounts && !double.IsPositiveInfinity(direct))
                    return direct;
                return Math.Min(direct, InverseKish > 0 ? 1 / InverseKish : double.PositiveInfinity);
            }
        }

        /// <summary>Wilson's score interval of the group's rate at its effective size.</summary>
        public (double Lower, double Upper) Interval(double z) => Wilson(Rate, EffectiveSize, z);

        /// <summary>A draw of the group's failures (in samples): Jeffreys on the group's effective counts.</summary>
        public double Draw(PosteriorSampler sampler)
        {
            if (Population == 0)
                return 0;
            var p = Rate;
            var n = EffectiveSize;
            if (double.IsPositiveInfinity(n))
                return Total;
            return Population * sampler.NextBeta(n * p + 0.5, n * (1 - p) + 0.5);
        }
    }
}
