using Auditor.Review.Estimation;

namespace Auditor.Review.Tests.Estimation;

public class StratifiedRateEstimatorTests
{
    // Flagged: 100 samples, 50 reviewed, 25 failures (p_F = 0.5). Unflagged: 900 samples, 90 reviewed, 9 failures (p_U = 0.1).
    private static readonly Stratum[] HandExample =
    [
        new("s flagged", true, 100, 50, 25),
        new("s unflagged", false, 900, 90, 9),
    ];

    [Fact]
    public void Weighs_each_stratum_by_its_count()
    {
        var e = StratifiedRateEstimator.Estimate(HandExample);

        // p = (100 * 0.5 + 900 * 0.1) / 1000 = 0.14; recall = 50 / (50 + 90); naive flagged-only = 0.5 * 0.1.
        Assert.Equal(0.14, e.FailureRate.Value!.Value, 12);
        Assert.Equal(0.5, e.Precision.Value!.Value, 12);
        Assert.Equal(50.0 / 140, e.Recall.Value!.Value, 12);
        Assert.Equal(0.05, e.Naive.FlaggedOnlyRate!.Value, 12);
        Assert.Equal(34.0 / 140, e.Naive.ReviewedRate!.Value, 12);
        Assert.Equal(1000, e.Population);
        Assert.Equal(100, e.FlaggedPopulation);
    }

    [Fact]
    public void Gives_an_interval_close_to_the_finite_population_normal_approximation_for_moderate_counts()
    {
        var e = StratifiedRateEstimator.Estimate(HandExample);

        // Var = 0.1^2 * 0.25 / 50 * (1 - 50/100) + 0.9^2 * 0.09 / 90 * (1 - 90/900) = 7.54e-4, so 0.14 +/- 0.054.
        // The Jeffreys posterior is right-skewed with 9 failures, so both ends sit a little higher.
        Assert.InRange(e.FailureRate.Lower, 0.086, 0.10);
        Assert.InRange(e.FailureRate.Upper, 0.19, 0.21);
        Assert.True(e.FailureRate.Lower < 0.14 && 0.14 < e.FailureRate.Upper);
        Assert.InRange(e.Recall.Lower, 0.2, 0.33);
        Assert.InRange(e.Recall.Upper, 0.4, 0.6);
    }

    [Fact]
    public void Matches_the_Jeffreys_interval_for_one_stratum_of_an_effectively_infinite_population()
    {
        var e = StratifiedRateEstimator.Estimate([new Stratum("s", false, 1_000_000_000, 100, 10)]);

        // Beta(10.5, 90.5) quantiles by numerical integration: 0.05258 and 0.17012.
        Assert.Equal(0.05258, e.FailureRate.Lower, 0.003);
        Assert.Equal(0.17012, e.FailureRate.Upper, 0.003);
    }

    [Fact]
    public void Has_no_sampling_error_in_a_stratum_reviewed_in_full()
    {
        var e = StratifiedRateEstimator.Estimate([new Stratum("f", true, 40, 40, 10), new Stratum("u", false, 960, 200, 4)]);

        Assert.Equal(0.25, e.Precision.Lower, 12);
        Assert.Equal(0.25, e.Precision.Upper, 12);
    }

    [Fact]
    public void Gives_the_same_interval_for_the_same_inputs()
    {
        var first = StratifiedRateEstimator.Estimate(HandExample);
        var second = StratifiedRateEstimator.Estimate(HandExample);

        Assert.Equal(first.FailureRate, second.FailureRate);
        Assert.Equal(first.Recall, second.Recall);
    }

    [Fact]
    public void Reports_an_unknown_rate_bounded_by_what_an_unreviewed_unflagged_stratum_could_contribute()
    {
        var e = StratifiedRateEstimator.Estimate([new Stratum("s flagged", true, 100, 50, 25), new Stratum("s unflagged", false, 900, 0, 0)]);

        Assert.Null(e.FailureRate.Value);
        Assert.Contains("s unflagged", e.FailureRate.Note);
        // Lower end: the unflagged samples never fail, 0.1 * (lower end of p_F). Upper end: they all fail, 0.1 * (upper end of p_F) + 0.9.
        Assert.InRange(e.FailureRate.Lower, 0.1 * 0.35, 0.1 * 0.5);
        Assert.InRange(e.FailureRate.Upper, 0.9 + 0.1 * 0.5, 0.9 + 0.1 * 0.65);
        Assert.Equal(0.5, e.Precision.Value!.Value, 12);
        Assert.Null(e.Recall.Value);
        Assert.InRange(e.Recall.Lower, 0, 0.1);
        Assert.Equal(1, e.Recall.Upper, 12);
        Assert.True(e.Power.UnderPowered);
        Assert.Contains("unknown", e.Power.Note);
    }

    [Fact]
    public void Reports_an_unknown_precision_when_no_flagged_sample_was_reviewed()
    {
        var e = StratifiedRateEstimator.Estimate([new Stratum("f", true, 100, 0, 0), new Stratum("u", false, 900, 300, 6)]);

        Assert.Null(e.Precision.Value);
        Assert.Equal(0, e.Precision.Lower, 12);
        Assert.Equal(1, e.Precision.Upper, 12);
        Assert.Null(e.FailureRate.Value);
        Assert.Null(e.Naive.FlaggedOnlyRate);
    }

    [Fact]
    public void Estimates_the_rate_from_the_unflagged_stratum_alone_when_nothing_was_flagged()
    {
        var e = StratifiedRateEstimator.Estimate([new Stratum("f", true, 0, 0, 0), new Stratum("u", false, 1000, 100, 5)]);

        Assert.Equal(0.05, e.FailureRate.Value!.Value, 12);
        Assert.Null(e.Precision.Value);
        Assert.Contains("No flagged samples", e.Precision.Note);
        Assert.Equal(0, e.Recall.Value!.Value, 12);
    }

    [Fact]
    public void Says_recall_is_undefined_when_no_failure_was_found_and_still_bounds_the_rate()
    {
        var e = StratifiedRateEstimator.Estimate([new Stratum("f", true, 50, 50, 0), new Stratum("u", false, 950, 400, 0)]);

        Assert.Equal(0, e.FailureRate.Value!.Value, 12);
        Assert.Equal(0, e.FailureRate.Lower, 12);
        Assert.InRange(e.FailureRate.Upper, 0.001, 0.02);
        Assert.Null(e.Recall.Value);
        Assert.Contains("No failure", e.Recall.Note);
        Assert.Equal(0, e.Recall.Lower, 12);
        Assert.Equal(1, e.Recall.Upper, 12);
    }

    [Fact]
    public void Says_recall_rests_on_the_uniform_draw()
    {
        var e = StratifiedRateEstimator.Estimate(HandExample);

        Assert.Contains("only from the uniform draw", e.Recall.Note);
        Assert.Contains("90 decisive reviews of 900 unflagged samples", e.Recall.Note);
    }

    [Fact]
    public void Returns_unknown_estimates_for_a_cell_without_samples()
    {
        var e = StratifiedRateEstimator.Estimate([new Stratum("f", true, 0, 0, 0), new Stratum("u", false, 0, 0, 0)]);

        Assert.Null(e.FailureRate.Value);
        Assert.Equal(0, e.FailureRate.Lower);
        Assert.Equal(1, e.FailureRate.Upper);
        Assert.False(e.Power.UnderPowered);
        Assert.Null(e.Naive.ReviewedRate);
    }

    [Fact]
    public void Warns_when_reviews_belong_to_a_stratum_without_counted_samples()
    {
        var e = StratifiedRateEstimator.Estimate([new Stratum("ghost flagged", true, 0, 5, 1), new Stratum("u", false, 1000, 100, 5)]);

        Assert.Contains(e.Warnings, w => w.Contains("ghost flagged") && w.Contains("disagree"));
        Assert.Equal(0.05, e.FailureRate.Value!.Value, 12);
    }

    [Fact]
    public void Rejects_more_failures_than_reviews()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => StratifiedRateEstimator.Estimate([new Stratum("u", false, 100, 5, 6)]));
    }

    [Fact]
    public void Says_an_under_powered_cell_needs_more_uniform_reviews_and_a_powered_one_does_not()
    {
        var small = StratifiedRateEstimator.Estimate(HandExample);
        var large = StratifiedRateEstimator.Estimate([new Stratum("f", true, 10_000, 5_000, 2_500), new Stratum("u", false, 1_000_000, 20_000, 200)]);

        Assert.True(small.Power.UnderPowered);
        Assert.True(small.Power.AdditionalUniformReviews > 0);
        Assert.False(small.Power.ReachableThisWeek);
        Assert.Contains("cannot reach", small.Power.Note);
        Assert.False(large.Power.UnderPowered);
        Assert.Equal(0, large.Power.AdditionalUniformReviews);
    }
}
