using Auditor.Review.Estimation;

namespace Auditor.Review.Calibration;

/// <summary>One reviewed item as calibration sees it: the detector's score, the reviewers' label, and its inclusion probability.</summary>
/// <param name="Score">The detector's score on the sample.</param>
/// <param name="Failure">True when reviewers judged it a silent failure (unsure verdicts are left out before this).</param>
/// <param name="InclusionProbability">pi of the review item; its weight is 1/pi.</param>
public sealed record LabelledScore(double Score, bool Failure, double InclusionProbability);

/// <summary>The rules a calibration must keep.</summary>
/// <param name="TargetPrecision">The precision whose lower confidence bound a threshold must reach.</param>
/// <param name="MinLabels">Fewest reviewed items to calibrate at all.</param>
/// <param name="MinFailures">Fewest reviewed failures to calibrate at all.</param>
/// <param name="MaxStep">Largest move from the current threshold, as a share of it (at least <paramref name="MinStep"/> absolute).</param>
/// <param name="MinStep">Smallest allowed absolute move bound, for thresholds near zero.</param>
/// <param name="Confidence">Confidence of the lower bound (0.95: one-sided 95%).</param>
public sealed record CalibrationPolicy(
    double TargetPrecision = 0.9, int MinLabels = 50, int MinFailures = 5, double MaxStep = 0.25, double MinStep = 0.05, double Confidence = 0.95);

/// <summary>Weighted precision and recall if the threshold were <paramref name="Threshold"/>, with the precision's lower bound.</summary>
public sealed record ThresholdPoint(double Threshold, double Precision, double PrecisionLowerBound, double Recall, double EffectiveFlagged);

/// <summary>What calibration concluded: a new threshold, or why it changed nothing.</summary>
public sealed record CalibrationOutcome(
    bool Changed, double CurrentThreshold, double ProposedThreshold, string Reason, int Labels, int Failures,
    ThresholdPoint? Before, ThresholdPoint? After, bool StepBounded);

/// <summary>
/// Picks a detector threshold from reviewed items. Each item weighs 1/pi, so the flagged oversampling does not
/// inflate precision and the uniform stratum stands for everything the detector did not flag (the only way to see
/// what it misses). The pick is the lowest candidate threshold whose weighted precision lower bound (Wilson, on the
/// Kish effective sample size) reaches the target: the most recall the precision target allows. It is then held
/// within a bounded step of the current threshold, so one batch of labels cannot swing a detector far.
/// </summary>
public static class ThresholdCalibrator
{
    public static CalibrationOutcome Calibrate(IReadOnlyList<LabelledScore> labels, double currentThreshold, CalibrationPolicy policy)
    {
        var failures = labels.Count(l => l.Failure);
        if (labels.Count < policy.MinLabels || failures < policy.MinFailures)
            return Unchanged(currentThreshold, labels.Count, failures,
                $"Too few labels to calibrate: {labels.Count} reviewed items with {failures} failures; needs at least {policy.MinLabels} items and {policy.MinFailures} failures.");

        var curve = Curve(labels, policy.Confidence);
        var before = PointAt(curve, currentThreshold);
        var best = curve.Where(p => p.PrecisionLowerBound >= policy.TargetPrecision).MinBy(p => p.Threshold);
        if (best is null)
            return Unchanged(currentThreshold, labels.Count, failures,
                $"No threshold reaches the precision target: the best lower bound is {curve.Max(p => p.PrecisionLowerBound):P1}, target {policy.TargetPrecision:P0}.", before);

        var bound = Math.Max(policy.MinStep, Math.Abs(currentThreshold) * policy.MaxStep);
        var proposed = Math.Clamp(best.Threshold, currentThreshold - bound, currentThreshold + bound);
        var bounded = proposed != best.Threshold;
        if (Math.Abs(proposed - currentThreshold) < 1e-12)
            return Unchanged(currentThreshold, labels.Count, failures, "The current threshold is already the best one the labels support.", before);

        var after = PointAt(curve, proposed);
        var reason = bounded
            ? $"The labels support {best.Threshold:0.###}; moved {proposed - currentThreshold:+0.###;-0.###} (the step bound) toward it."
            : $"Lowest threshold whose precision lower bound reaches {policy.TargetPrecision:P0}.";
        return new CalibrationOutcome(true, currentThreshold, proposed, reason, labels.Count, failures, before, after, bounded);
    }

    /// <summary>Weighted precision, its lower bound and recall at every distinct score (flag when score >= threshold).</summary>
    public static IReadOnlyList<ThresholdPoint> Curve(IReadOnlyList<LabelledScore> labels, double confidence = 0.95)
    {
        var totalFailureWeight = labels.Where(l => l.Failure).Sum(Weight);
        var sorted = labels.OrderByDescending(l => l.Score).ToList();
        var points = new List<ThresholdPoint>();
        double w = 0, w2 = 0, wFail = 0;
        for (var i = 0; i < sorted.Count; i++)
        {
            var weight = Weight(sorted[i]);
            w += weight;
            w2 += weight * weight;
            if (sorted[i].Failure)
                wFail += weight;
            // A point per distinct score: every item scoring at least this much is flagged.
            if (i + 1 < sorted.Count && sorted[i + 1].Score == sorted[i].Score)
                continue;
            var precision = wFail / w;
            var effective = w * w / w2;
            points.Add(new ThresholdPoint(sorted[i].Score, precision, WilsonLowerBound(precision, effective, confidence),
                totalFailureWeight == 0 ? 0 : wFail / totalFailureWeight, effective));
        }
        return points;
    }

    /// <summary>Weighted precision and recall at <paramref name="threshold"/> from the labels so far (any number of them); null without labels.</summary>
    public static ThresholdPoint? Measure(IReadOnlyList<LabelledScore> labels, double threshold, double confidence = 0.95) =>
        labels.Count == 0 ? null : PointAt(Curve(labels, confidence), threshold);

    private static ThresholdPoint? PointAt(IReadOnlyList<ThresholdPoint> curve, double threshold) =>
        curve.Where(p => p.Threshold >= threshold).MinBy(p => p.Threshold);

    private static double Weight(LabelledScore l) => 1 / l.InclusionProbability;

    /// <summary>One-sided Wilson score lower bound for a proportion observed on n (possibly effective, non-integer) trials.</summary>
    public static double WilsonLowerBound(double p, double n, double confidence)
    {
        if (n <= 0)
            return 0;
        var z = NormalDistribution.Quantile(confidence);
        var z2 = z * z;
        var centre = p + z2 / (2 * n);
        var spread = z * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return Math.Max(0, (centre - spread) / (1 + z2 / n));
    }

    private static CalibrationOutcome Unchanged(double current, int labels, int failures, string reason, ThresholdPoint? before = null) =>
        new(false, current, current, reason, labels, failures, before, before, false);
}
