using Auditor.Review.Calibration;

namespace Auditor.Review.Tests;

public class ThresholdCalibratorTests
{
    // Scores on a grid; the truth: failures almost always score >= 0.6, ok outputs mostly below it.
    private static List<LabelledScore> KnownBest(int n = 2000, int seed = 7)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ =>
        {
            var score = Math.Round(random.NextDouble(), 2);
            var failure = score >= 0.6 ? random.NextDouble() < 0.97 : random.NextDouble() < 0.15;
            // Flagged-stratum items (score >= current 0.5) oversampled: pi 1; the rest uniform: pi 0.02.
            return new LabelledScore(score, failure, score >= 0.5 ? 1.0 : 0.02);
        }).ToList();
    }

    [Fact]
    public void Finds_a_known_best_threshold_within_the_step_bounds()
    {
        var outcome = ThresholdCalibrator.Calibrate(KnownBest(), currentThreshold: 0.5, new CalibrationPolicy(TargetPrecision: 0.9, MaxStep: 0.5));

        Assert.True(outcome.Changed, outcome.Reason);
        Assert.InRange(outcome.ProposedThreshold, 0.58, 0.62);
        Assert.False(outcome.StepBounded);
        Assert.True(outcome.After!.PrecisionLowerBound >= 0.9);
        Assert.True(outcome.Before!.Precision < outcome.After.Precision);
    }

    [Fact]
    public void Moves_no_further_than_the_step_bound_toward_the_best_threshold()
    {
        var outcome = ThresholdCalibrator.Calibrate(KnownBest(), currentThreshold: 0.3, new CalibrationPolicy(TargetPrecision: 0.9, MaxStep: 0.25));

        Assert.True(outcome.Changed);
        Assert.True(outcome.StepBounded);
        Assert.Equal(0.3 + 0.075, outcome.ProposedThreshold, 9);
        Assert.Contains("step bound", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void With_too_few_labels_changes_nothing_and_says_why()
    {
        var outcome = ThresholdCalibrator.Calibrate(KnownBest(n: 30), currentThreshold: 0.5, new CalibrationPolicy(MinLabels: 50));

        Assert.False(outcome.Changed);
        Assert.Equal(0.5, outcome.ProposedThreshold);
        Assert.Contains("Too few labels", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("30 reviewed items", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Changes_nothing_when_no_threshold_reaches_the_target()
    {
        var random = new Random(3);
        var noise = Enumerable.Range(0, 500).Select(_ => new LabelledScore(random.NextDouble(), random.NextDouble() < 0.3, 1.0)).ToList();

        var outcome = ThresholdCalibrator.Calibrate(noise, 0.5, new CalibrationPolicy(TargetPrecision: 0.9));

        Assert.False(outcome.Changed);
        Assert.Contains("No threshold reaches", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Weights_each_item_by_one_over_its_inclusion_probability()
    {
        // Two flagged-looking items: one failure reviewed from the uniform stratum (stands for 50), one ok flagged item.
        LabelledScore[] labels = [new(0.9, true, 0.02), new(0.9, false, 1.0)];

        var point = Assert.Single(ThresholdCalibrator.Curve(labels));

        Assert.Equal(50.0 / 51.0, point.Precision, 9);
        Assert.Equal(1.0, point.Recall, 9);
    }

    [Theory]
    [InlineData(45, 50, 0.95, 0.8085)] // (0.92706 - 0.07485) / 1.05411 with z = 1.6449
    [InlineData(0, 10, 0.95, 0.0)]
    public void Wilson_lower_bound_matches_the_formula(double successes, double n, double confidence, double expected)
    {
        Assert.Equal(expected, ThresholdCalibrator.WilsonLowerBound(successes / n, n, confidence), 3);
    }
}
