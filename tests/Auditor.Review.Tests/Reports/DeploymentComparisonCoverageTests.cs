using Auditor.Review.Estimation;
using Auditor.Review.Reports;
using Auditor.Review.Routing;
using Auditor.Review.Tests.Estimation;
using Xunit.Abstractions;

namespace Auditor.Review.Tests.Reports;

/// <summary>
/// Two deployments of one stream with known failure and flag rates, simulated week by week through the routing design
/// and the per-deployment estimator, then compared as the report compares them. The failure-rate difference is judged
/// against the difference of the two deployments' labelled rates that week (what reviewing every sample would have
/// said, the quantity each deployment's interval estimates); the flag-rate difference against the difference of the
/// deployments' true flag probabilities (the flag rate of a week is counted, not sampled: its interval is about the
/// deployment, not the week). Seeds fixed before looking at the results.
/// </summary>
public sealed class DeploymentComparisonCoverageTests(ITestOutputHelper output)
{
    private static readonly EstimationOptions Options = new(Draws: 2_000);

    private static readonly int? WeeksOverride =
        int.TryParse(Environment.GetEnvironmentVariable("AUDITOR_SIMULATION_WEEKS"), out var w) ? w : null;

    private static readonly SimulatedDetector[] Detectors = [new("degeneration", 0.55, 0.01), new("length", 0.25, 0.02)];

    // (reference samples, its rate, new deployment's samples, its rate, uniform fraction, flagged fraction, weeks, seed):
    // an FP8 build worse by 1.5 points beside the old one; two equal replicas; a small canary 4 points worse. 1,000 weeks:
    // the binomial sd of a 95% coverage is then 0.69 points, so 93-97% is about three sd either side.
    public static TheoryData<int, double, int, double, double, double, int, int> Cases => new()
    {
        { 20_000, 0.020, 8_000, 0.035, 0.02, 0.25, 1000, 1631 },
        { 10_000, 0.030, 10_000, 0.030, 0.02, 0.25, 1000, 1632 },
        { 30_000, 0.010, 2_000, 0.050, 0.05, 0.50, 1000, 1633 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_interval_of_the_difference_between_two_deployments_covers_the_true_difference_in_93_to_97_percent_of_weeks(
        int referenceSamples, double referenceRate, int newSamples, double newRate, double uniform, double flagged, int weeks, int seed)
    {
        weeks = WeeksOverride ?? weeks;
        var fractions = new ReviewFractions(uniform, flagged);
        var reference = new Scenario("reference", referenceSamples, referenceRate, Detectors, fractions, 0, 1, 0);
        var candidate = new Scenario("candidate", newSamples, newRate, Detectors, fractions, 0, 1, 0);
        var trueFlagDifference = FlagProbability(newRate) - FlagProbability(referenceRate);
        int failureCovered = 0, flagCovered = 0, compared = 0, pointInside = 0;
        double halfWidth = 0;
        var flagErrors = new List<double>();
        // Each deployment-week gets its own seed drawn from one seeded generator: System.Random's streams from adjacent
        // seeds are not independent enough to stand for two deployments.
        var seeds = new Random(seed);
        for (var week = 0; week < weeks; week++)
        {
            var a = WeekSimulator.Run(reference with { Seed = seeds.Next() }, Options)[0];
            var b = WeekSimulator.Run(candidate with { Seed = seeds.Next() }, Options)[0];
            var comparison = DeploymentComparison.Between(Line("fp8-v2", b), Line("fp8", a));
            compared++;
            var trueDifference = b.LabelledRate - a.LabelledRate;
            failureCovered += trueDifference >= comparison.Lower && trueDifference <= comparison.Upper ? 1 : 0;
            pointInside += comparison.Difference >= comparison.Lower && comparison.Difference <= comparison.Upper ? 1 : 0;
            flagCovered += trueFlagDifference >= comparison.FlagRateLower && trueFlagDifference <= comparison.FlagRateUpper ? 1 : 0;
            halfWidth += (comparison.Upper - comparison.Lower) / 2;
            flagErrors.Add((comparison.FlagRateDifference!.Value - trueFlagDifference) / ((comparison.FlagRateUpper!.Value - comparison.FlagRateLower!.Value) / 2 / 1.96));
        }
        var failureCoverage = failureCovered / (double)compared;
        var flagCoverage = flagCovered / (double)compared;
        output.WriteLine($"{referenceSamples} at {referenceRate:P1} against {newSamples} at {newRate:P1}, u {uniform}, f {flagged}, {weeks} weeks, seed {seed}: "
            + $"failure-rate difference covered in {failureCoverage:P1} (mean half-width {halfWidth / compared * 100:0.00} points), flag-rate difference in {flagCoverage:P1} (error {flagErrors.Average():+0.00;-0.00;0.00}, sd {Sd(flagErrors):0.00} standard errors)");

        Assert.Equal(compared, pointInside);
        Assert.InRange(failureCoverage, 0.93, 0.97);
        Assert.InRange(flagCoverage, 0.93, 0.97);
    }

    private static double Sd(List<double> x)
    {
        var mean = x.Average();
        return Math.Sqrt(x.Sum(e => (e - mean) * (e - mean)) / (x.Count - 1));
    }

    /// <summary>A deployment's week as the report's deployment line.</summary>
    private static DeploymentLine Line(string deployment, SimulatedWeek week) => new("sim-model", "chat", deployment, week.Estimate.Volume.Samples,
        week.Estimate.Volume.FlagRate, week.Estimate.Estimate.Reviewed, RateInterval.From(week.Estimate.Estimate.FailureRate));

    /// <summary>P(any detector flags) at failure rate p.</summary>
    private static double FlagProbability(double p)
    {
        double missFailure = 1, missOk = 1;
        foreach (var d in Detectors)
        {
            missFailure *= 1 - d.FlagsFailure;
            missOk *= 1 - d.FlagsOk;
        }
        return p * (1 - missFailure) + (1 - p) * (1 - missOk);
    }
}
