using Auditor.Review.Estimation;
using Xunit.Abstractions;

namespace Auditor.Review.Tests.Estimation;

/// <summary>
/// The all-streams headline (issue #16) against known truth, at 50 and 500 streams with sparse strata. Seeds were fixed
/// before looking at the results. Each case runs in a few seconds; bench/Auditor.ReviewBench runs longer ones.
/// </summary>
public sealed class AllStreamsCoverageTests(ITestOutputHelper output)
{
    private static readonly EstimationOptions Options = new(Draws: 2_000);

    // AUDITOR_SIMULATION_WEEKS overrides the weeks per case, for a longer look at coverage.
    private static readonly int? WeeksOverride =
        int.TryParse(Environment.GetEnvironmentVariable("AUDITOR_SIMULATION_WEEKS"), out var w) ? w : null;

    // Rates 0.2% to 6% per stream (about 1.6% over all), and a tenth of that (about 0.16%: a few reviewed failures a week).
    public static TheoryData<int, int, int, double> Cases => new()
    {
        { 50, 1000, 1601, 1.0 },
        { 500, 500, 1602, 1.0 },
        { 50, 1000, 1603, 0.1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Covers_the_true_all_streams_rate_in_93_to_97_percent_of_weeks_with_the_point_inside_every_interval(int streams, int weeks, int seed, double rateScale)
    {
        weeks = WeeksOverride ?? weeks;
        var results = ManyStreamsSimulator.Run(streams, weeks, seed, rateScale).Select(w => (Week: w, Estimate: DesignBasedEstimator.Estimate(w.Strata, Options))).ToList();

        var rate = results.Count(r => r.Estimate.FailureRate.Contains(r.Week.Rate)) / (double)results.Count;
        var precision = results.Count(r => r.Estimate.Precision.Contains(r.Week.Precision)) / (double)results.Count;
        var recall = results.Count(r => r.Estimate.Recall.Contains(r.Week.Recall)) / (double)results.Count;
        // Errors in units of the interval's implied standard error (half-width / z): a mean far from 0 is bias, an sd far from 1 a wrong width.
        var errors = results.Select(r => (r.Estimate.FailureRate.Value!.Value - r.Week.Rate) / (r.Estimate.FailureRate.HalfWidth / 1.96)).ToArray();
        var meanError = errors.Average();
        var sdError = Math.Sqrt(errors.Sum(e => (e - meanError) * (e - meanError)) / (errors.Length - 1));
        var unknownStrata = results.Average(r => r.Week.Strata.Count(s => s.Unknown));
        output.WriteLine($"{streams} streams, rates x{rateScale}, {weeks} weeks, seed {seed}: rate coverage {rate:P1}, precision {precision:P1}, recall {recall:P1}; "
            + $"mean rate {results.Average(r => r.Week.Rate):P2}, mean half-width {results.Average(r => r.Estimate.FailureRate.HalfWidth):P2}, "
            + $"error {meanError:+0.00;-0.00} (sd {sdError:0.00}) standard errors, strata without a decisive review per week {unknownStrata:0.0}, recall as a lower bound in {results.Count(r => r.Estimate.Recall.AtLeast)} weeks");

        Assert.All(results, r => Assert.True(r.Estimate.FailureRate.Known, "the headline is never unknown"));
        Assert.All(results, r => Assert.InRange(r.Estimate.FailureRate.Value!.Value, r.Estimate.FailureRate.Lower, r.Estimate.FailureRate.Upper));
        Assert.All(results, r => Assert.InRange(r.Estimate.Precision.Value!.Value, r.Estimate.Precision.Lower, r.Estimate.Precision.Upper));
        Assert.InRange(rate, 0.93, 0.97);
        Assert.InRange(precision, 0.93, 0.97);
        // Recall is a ratio of two uncertain totals: held to 92-97%.
        Assert.InRange(recall, 0.92, 0.97);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Never_reports_recall_above_its_upper_bound_or_at_100_percent_without_a_missed_failure_reviewed(int streams, int weeks, int seed, double rateScale)
    {
        // At least 200 weeks in every case (issue #16), a quarter of the coverage run's where that is more.
        foreach (var week in ManyStreamsSimulator.Run(streams, Math.Max(200, weeks / 4), seed + 100, rateScale))
        {
            var recall = DesignBasedEstimator.Estimate(week.Strata, Options).Recall;
            if (recall.Value is { } v)
            {
                Assert.InRange(v, recall.Lower, recall.Upper);
                Assert.True(v < 1 || week.MissedReviewedFailures > 0);
            }
            Assert.Equal(week.MissedReviewedFailures == 0, recall.AtLeast);
        }
    }
}
