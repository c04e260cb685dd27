using Auditor.Review.Estimation;

namespace Auditor.Review.Tests.Estimation;

/// <summary>
/// Weeks of many streams at once, drawn stratum by stratum: a stream's size is log-normal (a few dozen samples a week to
/// tens of thousands, so many strata are sparse and some get no review at all), its failure rate log-uniform between
/// 0.2% and 6% (times a scale, to look near 0), its detector's sensitivity and false-flag rate uniform. Per week: failures ~ Binomial(N, p), flagged
/// failures and false flags by the detector's rates, then selection by the routing design (uniform fraction u of every
/// sample, f of the other flagged ones), so reviewed counts are Binomial(N_h, pi_h) and the failures among them
/// hypergeometric. Reviewers are right unless a sensitivity or specificity under 1 is given. The truth is the week's realised rate over all streams.
/// </summary>
public static class ManyStreamsSimulator
{
    public sealed record Week(IReadOnlyList<Stratum> Strata, double Rate, double Precision, double Recall, long Failures, long MissedReviewedFailures);

    private sealed record StreamShape(double MedianSize, double Rate, double Sensitivity, double FalseFlags, double Uniform, double Flagged);

    public static IEnumerable<Week> Run(int streams, int weeks, int seed, double rateScale = 1, double medianSize = 1500, double sizeSpread = 1.5,
        double reviewerSensitivity = 1, double reviewerSpecificity = 1)
    {
        var random = new Random(seed);
        var sampler = new PosteriorSampler(seed + 1);
        var shapes = Enumerable.Range(0, streams).Select(_ => new StreamShape(
            medianSize * Math.Exp(sizeSpread * sampler.NextNormal()),
            rateScale * Math.Pow(10, -2.7 + 1.48 * random.NextDouble()),
            0.3 + 0.5 * random.NextDouble(),
            0.005 + 0.025 * random.NextDouble(),
            random.NextDouble() < 0.8 ? 0.02 : 0.05,
            random.NextDouble() < 0.7 ? 0.5 : 1.0)).ToArray();

        for (var w = 0; w < weeks; w++)
        {
            var strata = new List<Stratum>(2 * streams);
            long failures = 0, samples = 0, caught = 0, flaggedSamples = 0, missedReviewed = 0;
            for (var s = 0; s < shapes.Length; s++)
            {
                var shape = shapes[s];
                var n = sampler.NextBinomial((long)Math.Round(shape.MedianSize * 2), 0.5);
                var f = sampler.NextBinomial(n, shape.Rate);
                var flaggedFailures = sampler.NextBinomial(f, shape.Sensitivity);
                var falseFlags = sampler.NextBinomial(n - f, shape.FalseFlags);
                long flagged = flaggedFailures + falseFlags, unflagged = n - flagged, unflaggedFailures = f - flaggedFailures;
                var reviewedFlagged = sampler.NextBinomial(flagged, shape.Uniform + (1 - shape.Uniform) * shape.Flagged);
                var reviewedUnflagged = sampler.NextBinomial(unflagged, shape.Uniform);
                var x = Hypergeometric(random, flagged, flaggedFailures, reviewedFlagged);
                var y = Hypergeometric(random, unflagged, unflaggedFailures, reviewedUnflagged);
                // What the reviewer says: a failure caught with its sensitivity, a good output called a failure with 1 - specificity.
                if (reviewerSensitivity < 1 || reviewerSpecificity < 1)
                {
                    x = sampler.NextBinomial(x, reviewerSensitivity) + sampler.NextBinomial(reviewedFlagged - x, 1 - reviewerSpecificity);
                    y = sampler.NextBinomial(y, reviewerSensitivity) + sampler.NextBinomial(reviewedUnflagged - y, 1 - reviewerSpecificity);
                }
                strata.Add(new Stratum($"s{s} flagged", true, flagged, (int)reviewedFlagged, (int)x));
                strata.Add(new Stratum($"s{s} unflagged", false, unflagged, (int)reviewedUnflagged, (int)y));
                failures += f;
                samples += n;
                caught += flaggedFailures;
                flaggedSamples += flagged;
                missedReviewed += y;
            }
            yield return new Week(strata, (double)failures / samples, flaggedSamples > 0 ? (double)caught / flaggedSamples : double.NaN,
                failures > 0 ? (double)caught / failures : double.NaN, failures, missedReviewed);
        }
    }

    /// <summary>Failures among <paramref name="draws"/> taken without replacement from a population holding <paramref name="successes"/>.</summary>
    public static long Hypergeometric(Random random, long population, long successes, long draws)
    {
        long found = 0;
        for (long i = 0; i < draws; i++)
            if (random.NextDouble() * (population - i) < successes - found)
                found++;
        return found;
    }
}
