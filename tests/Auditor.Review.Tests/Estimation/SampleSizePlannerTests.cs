using Auditor.Review.Estimation;

namespace Auditor.Review.Tests.Estimation;

public class SampleSizePlannerTests
{
    private static readonly double Z = NormalDistribution.Quantile(0.975);

    [Fact]
    public void Needs_9604_reviews_for_plus_or_minus_one_point_when_nothing_is_known()
    {
        // p = 1/2 conservatively: 1.96^2 * 0.25 / 0.01^2 = 9603.6.
        var m = SampleSizePlanner.AdditionalUniformReviews([new Stratum("u", false, 10_000_000, 0, 0)], 10_000_000, Z, 0.01);

        Assert.Equal(9604, m);
    }

    [Fact]
    public void Uses_the_current_estimate_so_a_rare_failure_needs_fewer_reviews()
    {
        // 20 failures in 1000 reviews: p~ = 20.5/1001; 1.96^2 p(1-p)/0.01^2 = 770.7, and 1000 are done.
        var m = SampleSizePlanner.AdditionalUniformReviews([new Stratum("u", false, 10_000_000, 1000, 20)], 10_000_000, Z, 0.005);
        var p = 20.5 / 1001;
        var total = Z * Z * p * (1 - p) / (0.005 * 0.005);

        Assert.InRange(m, total - 1000 - 1, total - 1000 + 1);
    }

    [Fact]
    public void Meets_the_target_after_the_additional_reviews_spread_over_strata_by_size()
    {
        Stratum[] strata = [new("f", true, 2_000, 500, 200), new("u", false, 98_000, 600, 12)];
        var m = SampleSizePlanner.AdditionalUniformReviews(strata, 100_000, Z, 0.01);

        double HalfWidth(double extra) => Z * Math.Sqrt(strata.Sum(s =>
        {
            var w = s.Population / 100_000.0;
            var p = (s.Failures + 0.5) / (s.Reviewed + 1);
            return w * w * p * (1 - p) / (s.Reviewed + extra * w);
        }));

        Assert.True(HalfWidth(m) <= 0.01);
        Assert.True(HalfWidth(m - 1) > 0.01);
    }
}
