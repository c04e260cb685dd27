using Auditor.Review.Estimation;

namespace Auditor.Review.Reports;

/// <summary>
/// What an under-powered stream should change, in the one setting that moves it: its uniform review fraction. m more
/// uniform reviews (<see cref="SampleSizePlanner"/>) over the week's N samples need a fraction of about u + m / N
/// (as many again when reviewers leave items undecided). When that is over half the traffic, no fraction helps within
/// a week: the advice is to pool weeks at the current fraction.
/// </summary>
public static class PowerAdvice
{
    public const double MostUsefulFraction = 0.5;

    public static string For(StreamKey stream, CellEstimate cell, IEnumerable<ReviewItem> weekItems, EstimationOptions options)
    {
        var power = cell.Estimate.Power;
        var target = $"a +/-{RateChange.Points(options.TargetHalfWidth)} interval";
        var samples = cell.Volume.Samples;
        // Unflagged items come only from the uniform draw: their inclusion probability is the stream's uniform fraction.
        // The most common one, each item weighed by its Count; a tie goes to the smaller fraction, whatever the rows' order.
        var fractions = weekItems.Where(i => !i.Flagged).ToArray();
        double? current = fractions.Length > 0
            ? fractions.GroupBy(i => Math.Round(i.InclusionProbability, 6)).OrderByDescending(g => g.Sum(i => i.Count)).ThenBy(g => g.Key).First().Key
            : null;
        var now = power.HalfWidth > 0 && cell.Estimate.FailureRate.Known ? $"the interval is +/-{RateChange.Points(power.HalfWidth)}" : "the rate is not known this week";
        if (samples == 0)
            return "No samples this week.";
        var needed = (current ?? 0) + (double)power.AdditionalUniformReviews / samples;
        if (needed <= MostUsefulFraction)
            return $"Under-powered ({now}): raise the uniform fraction of {stream} {(current is { } u ? $"from {Fraction(u)} " : "")}to {Fraction(Math.Ceiling(needed * 1000) / 1000)} for {target} ({power.AdditionalUniformReviews:N0} more uniform reviews a week at this traffic).";
        var uniformNow = cell.Coverage.Unflagged.Decisive + (current is { } c ? (long)Math.Round(c * cell.Volume.FlaggedSamples) : 0);
        if (uniformNow <= 0)
            return $"Under-powered ({now}): {stream} sends {samples:N0} samples a week, too few for {target} at any review fraction; report it over several weeks, or accept a wider interval.";
        var weeks = (int)Math.Ceiling((uniformNow + (double)power.AdditionalUniformReviews) / uniformNow);
        return $"Under-powered ({now}): {stream} sends {samples:N0} samples a week, too few for {target} at any review fraction; pooled over {weeks} weeks at the current fraction it would reach it, or accept the wider interval.";
    }

    private static string Fraction(double f) => (f * 100).ToString(f < 0.1 ? "0.#" : "0", System.Globalization.CultureInfo.InvariantCulture) + "%";
}
