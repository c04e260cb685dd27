using Auditor.Review.Estimation;
using Auditor.Review.Routing;

namespace Auditor.Review.Tests.Estimation;

/// <summary>A detector with known behaviour: P(flag | failure) and P(flag | ok).</summary>
public sealed record SimulatedDetector(string Name, double FlagsFailure, double FlagsOk);

/// <summary>A stream with a known failure rate, detectors, review fractions and a reviewer who flips a verdict with ReviewerError.</summary>
public sealed record Scenario(
    string Name,
    int SamplesPerWeek,
    double FailureRate,
    IReadOnlyList<SimulatedDetector> Detectors,
    ReviewFractions Fractions,
    double ReviewerError,
    int Weeks,
    int Seed);

/// <summary>What a simulated week really held (in reviewer labels: what a review of every sample would have said) and what the estimator said.</summary>
public sealed record SimulatedWeek(
    double TrueRate, double LabelledRate, double LabelledPrecision, double? LabelledRecall,
    IReadOnlyDictionary<string, double> LabelledDetectorPrecision, CellEstimate Estimate);

/// <summary>
/// Simulates weeks sample by sample: failure, detector flags, the label a reviewer would give (the truth flipped
/// with the reviewer's error rate), and selection by the routing design (uniform draw u, then flagged draw f).
/// Selection uses a seeded Random instead of SHA-256 of ids: the same design, two orders of magnitude faster.
/// </summary>
public static class WeekSimulator
{
    public static readonly StreamKey Stream = new("sim-model", "chat");

    public static IReadOnlyList<SimulatedWeek> Run(Scenario scenario, EstimationOptions? options = null)
    {
        var random = new Random(scenario.Seed);
        var weeks = new List<SimulatedWeek>(scenario.Weeks);
        var monday = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
        for (var w = 0; w < scenario.Weeks; w++)
        {
            var hour = monday.AddDays(7 * w);
            weeks.Add(RunWeek(scenario, random, hour, options));
        }
        return weeks;
    }

    private static SimulatedWeek RunWeek(Scenario scenario, Random random, DateTimeOffset hour, EstimationOptions? options)
    {
        var detectors = scenario.Detectors;
        long flaggedCount = 0, failures = 0, labelled = 0, labelledFlagged = 0;
        var flagsByDetector = new long[detectors.Count];
        var labelledByDetector = new long[detectors.Count];
        var items = new List<ReviewItem>();
        var u = scenario.Fractions.Uniform;
        var f = scenario.Fractions.Flagged;
        var flags = new bool[detectors.Count];

        for (var i = 0; i < scenario.SamplesPerWeek; i++)
        {
            var failure = random.NextDouble() < scenario.FailureRate;
            var flagged = false;
            for (var d = 0; d < detectors.Count; d++)
            {
                flags[d] = random.NextDouble() < (failure ? detectors[d].FlagsFailure : detectors[d].FlagsOk);
                flagged |= flags[d];
            }
            var label = scenario.ReviewerError > 0 ? failure ^ (random.NextDouble() < scenario.ReviewerError) : failure;

            if (failure) failures++;
            if (label) labelled++;
            if (flagged)
            {
                flaggedCount++;
                if (label) labelledFlagged++;
                for (var d = 0; d < detectors.Count; d++)
                {
                    if (!flags[d]) continue;
                    flagsByDetector[d]++;
                    if (label) labelledByDetector[d]++;
                }
            }

            ReviewStratum? stratum = random.NextDouble() < u ? ReviewStratum.Uniform
                : flagged && random.NextDouble() < f ? ReviewStratum.Flagged
                : null;
            if (stratum is { } s)
                items.Add(new ReviewItem($"s{i}", Stream, hour, s, scenario.Fractions.InclusionProbability(flagged), flagged,
                    detectors.Where((_, d) => flags[d]).Select(x => x.Name).ToArray(), label ? ReviewVerdict.Failure : ReviewVerdict.Ok));
        }

        var n = scenario.SamplesPerWeek;
        var counts = new StreamHourCounts(Stream, hour, n, flaggedCount, n, flaggedCount,
            detectors.Select((d, k) => (d.Name, flagsByDetector[k])).ToDictionary(x => x.Name, x => x.Item2));
        var estimate = WeeklyEstimator.EstimateCell(Stream, WeeklyEstimator.WeekStart(hour), [counts], items, options);
        var detectorPrecision = detectors.Select((d, k) => (d.Name, flagsByDetector[k] > 0 ? (double)labelledByDetector[k] / flagsByDetector[k] : double.NaN))
            .ToDictionary(x => x.Name, x => x.Item2);
        return new SimulatedWeek(
            (double)failures / n,
            (double)labelled / n,
            flaggedCount > 0 ? (double)labelledFlagged / flaggedCount : double.NaN,
            labelled > 0 ? (double)labelledFlagged / labelled : null,
            detectorPrecision,
            estimate);
    }
}
