namespace Auditor.Review.Estimation;

/// <summary>
/// Stratified failure rate, precision and recall with Jeffreys-posterior simulation intervals.
/// Each measured stratum h gets theta_h ~ Beta(x_h + 1/2, n_h - x_h + 1/2); the estimand is this week's rate, so
/// the stratum's rate is drawn as (x_h + Y_h) / N_h with Y_h ~ Binomial(N_h - n_h, theta_h) for its unreviewed
/// samples (the finite-population posterior: a stratum reviewed in full has no sampling error). Every draw is
/// pushed through the same formula as the point estimate and the interval is the central percentiles of the
/// draws. This treats the rate, precision and the ratio that recall is in one way, and stays inside [0, 1].
/// A stratum with traffic but no decisive review is bounded, not guessed: its rate is 0 for the lower end and
/// 1 for the upper end (in the direction that widens the interval), and the point estimate is null.
/// </summary>
public static class StratifiedRateEstimator
{
    public static StratifiedEstimate Estimate(IReadOnlyList<Stratum> strata, EstimationOptions? options = null)
    {
        options = (options ?? EstimationOptions.Default).Validated();
        var totals = StrataTotals.Of(strata);
        var (population, flaggedPopulation, reviewed, failures, naive, warnings) = totals;
        if (population == 0)
            return totals.Empty(options);

        var live = strata.Where(s => s.Population > 0).ToArray();
        var draws = Simulate(live, options);
        var alpha = 1 - options.ConfidenceLevel;

        var rate = RateEstimate(live, population, draws, alpha);
        var precision = PrecisionEstimate(live, flaggedPopulation, draws, alpha);
        var recall = RecallEstimate(live, draws, alpha);
        var power = SampleSizePlanner.Assess(live, population, reviewed, rate, options);

        return new StratifiedEstimate(rate, precision, recall, population, flaggedPopulation, reviewed, failures, power, naive, warnings);
    }

    /// <summary>Only the stratified rate (sum N_h p_h / N) with its interval: what a detector's precision over its flagged strata needs.</summary>
    public static IntervalEstimate EstimateRate(IReadOnlyList<Stratum> strata, EstimationOptions? options = null)
    {
        options = (options ?? EstimationOptions.Default).Validated();
        foreach (var s in strata)
            s.Validated();
        var population = strata.Sum(s => s.Population);
        if (population == 0)
            return IntervalEstimate.Unknown("No samples in this cell.");
        var live = strata.Where(s => s.Population > 0).ToArray();
        return RateEstimate(live, population, Simulate(live, options), 1 - options.ConfidenceLevel);
    }

    // draws[h][d]: the d-th posterior draw of stratum h's rate; null for an unknown stratum.
    private static double[]?[] Simulate(Stratum[] strata, EstimationOptions options)
    {
        var sampler = new PosteriorSampler(options.Seed);
        var draws = new double[]?[strata.Length];
        for (var h = 0; h < strata.Length; h++)
        {
            var s = strata[h];
            if (s.Unknown)
                continue;
            var a = s.Failures + 0.5;
            var b = s.Reviewed - s.Failures + 0.5;
            var unreviewed = Math.Max(s.Population - s.Reviewed, 0);
            var size = (double)(s.Reviewed + unreviewed);
            var d = new double[options.Draws];
            for (var i = 0; i < d.Length; i++)
                d[i] = (s.Failures + sampler.NextBinomial(unreviewed, sampler.NextBeta(a, b))) / size;
            draws[h] = d;
        }
        return draws;
    }

    private static IntervalEstimate RateEstimate(Stratum[] strata, long population, double[]?[] draws, double alpha)
    {
        var unknown = strata.Where(s => s.Unknown).ToArray();
        double? value = unknown.Length == 0
            ? strata.Sum(s => (double)s.Population / population * s.ObservedRate!.Value)
            : null;

        double Draw(int d, double unknownRate)
        {
            var sum = 0.0;
            for (var h = 0; h < strata.Length; h++)
                sum += (double)strata[h].Population / population * (draws[h]?[d] ?? unknownRate);
            return sum;
        }

        var (lower, upper) = Bounds(draws, d => Draw(d, 0), d => Draw(d, 1), alpha, unknown.Length > 0);
        if (value is { } v)
            // The posterior's percentiles and the design point are different summaries; the interval is widened, never the point moved.
            (lower, upper) = (Math.Min(lower, Math.Clamp(v, 0, 1)), Math.Max(upper, Math.Clamp(v, 0, 1)));
        var note = unknown.Length == 0
            ? null
            : $"Unknown: no decisive review in {string.Join(", ", unknown.Select(s => s.Name))}; the interval spans every rate those samples could have.";
        return new IntervalEstimate(Clamp(value), lower, upper, note);
    }

    private static IntervalEstimate PrecisionEstimate(Stratum[] strata, long flaggedPopulation, double[]?[] draws, double alpha)
    {
        if (flaggedPopulation == 0)
            return IntervalEstimate.Unknown("No flagged samples: precision is undefined.");

        var flagged = Enumerable.Range(0, strata.Length).Where(h => strata[h].Flagged).ToArray();
        var unknown = flagged.Where(h => strata[h].Unknown).ToArray();
        double? value = unknown.Length == 0
            ? flagged.Sum(h => (double)strata[h].Population / flaggedPopulation * strata[h].ObservedRate!.Value)
            : null;

        double Draw(int d, double unknownRate)
        {
            var sum = 0.0;
            foreach (var h in flagged)
                sum += (double)strata[h].Population / flaggedPopulation * (draws[h]?[d] ?? unknownRate);
            return sum;
        }

        var (lower, upper) = Bounds(draws, d => Draw(d, 0), d => Draw(d, 1), alpha, unknown.Length > 0);
        var note = unknown.Length == 0
            ? "Failure rate among flagged samples; reviewed flagged items from the uniform and the flagged draws together are a simple random sample of them."
            : "Unknown: flagged samples without a decisive review; the interval spans every precision they could have.";
        return new IntervalEstimate(Clamp(value), lower, upper, note);
    }

    private static IntervalEstimate RecallEstimate(Stratum[] strata, double[]?[] draws, double alpha)
    {
        const string basis = "Recall rests on the reviews of unflagged samples, which come only from the uniform draw.";
        var unflaggedPopulation = strata.Where(s => !s.Flagged).Sum(s => s.Population);
        var unflaggedReviews = strata.Where(s => !s.Flagged).Sum(s => s.Reviewed);
        var basisWithCounts = $"{basis} ({unflaggedReviews} decisive reviews of {unflaggedPopulation} unflagged samples.)";

        if (strata.Any(s => s.Unknown))
        {
            // Lower end: unknown flagged strata fail never, unknown unflagged strata always; upper end the reverse.
            var (lo, hi) = Bounds(draws, d => Recall(strata, draws, d, flaggedUnknown: 0, unflaggedUnknown: 1, whenNoFailures: 0),
                d => Recall(strata, draws, d, flaggedUnknown: 1, unflaggedUnknown: 0, whenNoFailures: 1), alpha, anyUnknown: true);
            return new IntervalEstimate(null, lo, hi, $"Unknown: a stratum has no decisive review. {basisWithCounts}");
        }

        var caught = strata.Where(s => s.Flagged).Sum(s => s.Population * s.ObservedRate!.Value);
        var all = strata.Sum(s => s.Population * s.ObservedRate!.Value);
        double? value = all > 0 ? caught / all : null;
        // With no failure in any draw's strata the ratio is 0/0; such draws count as 0 for the lower end and 1 for the upper.
        var noFailures = value is null;
        var (lower, upper) = Bounds(draws, d => Recall(strata, draws, d, 0, 1, 0), d => Recall(strata, draws, d, 1, 0, 1), alpha, anyUnknown: noFailures);
        if (value is null)
            return new IntervalEstimate(null, lower, upper, $"No failure was found, so recall has no point estimate; the interval is what the posterior allows. {basisWithCounts}");
        if (strata.Where(s => !s.Flagged).Sum(s => s.Failures) == 0)
            // No missed failure was seen, which is not evidence that none was missed: a lower bound, never a point of 100%.
            return new IntervalEstimate(null, lower, 1,
                $"No failure was found among the {unflaggedReviews} reviewed unflagged samples, so recall is known only from below: at least {lower:P0}. {basisWithCounts}", AtLeast: true);
        return new IntervalEstimate(Clamp(value), Math.Min(lower, value.Value), Math.Max(upper, value.Value), basisWithCounts);
    }

    private static double Recall(Stratum[] strata, double[]?[] draws, int d, double flaggedUnknown, double unflaggedUnknown, double whenNoFailures)
    {
        double caught = 0, all = 0;
        for (var h = 0; h < strata.Length; h++)
        {
            var s = strata[h];
            var failures = s.Population * (draws[h]?[d] ?? (s.Flagged ? flaggedUnknown : unflaggedUnknown));
            all += failures;
            if (s.Flagged)
                caught += failures;
        }
        return all > 0 ? caught / all : whenNoFailures;
    }

    // Lower end from the draws with unknown strata at their low extreme, upper end from the high extreme; with no
    // unknown stratum both are the same draws, sorted once.
    private static (double Lower, double Upper) Bounds(double[]?[] draws, Func<int, double> low, Func<int, double> high, double alpha, bool anyUnknown)
    {
        var count = draws.FirstOrDefault(d => d is not null)?.Length ?? 1;
        var lows = new double[count];
        for (var d = 0; d < count; d++)
            lows[d] = low(d);
        Array.Sort(lows);
        var lower = Percentile(lows, alpha / 2);
        double upper;
        if (anyUnknown)
        {
            var highs = new double[count];
            for (var d = 0; d < count; d++)
                highs[d] = high(d);
            Array.Sort(highs);
            upper = Percentile(highs, 1 - alpha / 2);
        }
        else
        {
            upper = Percentile(lows, 1 - alpha / 2);
        }
        return (Math.Clamp(lower, 0, 1), Math.Clamp(upper, 0, 1));
    }

    /// <summary>The q-th percentile of sorted values by linear interpolation between order statistics (type 7).</summary>
    internal static double Percentile(double[] sorted, double q)
    {
        var values = sorted;
        var position = q * (values.Length - 1);
        var i = (int)Math.Floor(position);
        var j = Math.Min(i + 1, values.Length - 1);
        return values[i] + (position - i) * (values[j] - values[i]);
    }

    private static double? Clamp(double? value) => value is { } v ? Math.Clamp(v, 0, 1) : null;
}
