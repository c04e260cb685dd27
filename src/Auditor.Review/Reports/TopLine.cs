using System.Globalization;
using Auditor.Review.Estimation;

namespace Auditor.Review.Reports;

/// <summary>One deployment of a stream this week: its traffic and failure rate with its interval.</summary>
public sealed record DeploymentLine(string Model, string Route, string Deployment, long Samples, double? FlagRate, int Reviewed, RateInterval FailureRate)
{
    /// <summary>The deployment's name for a sentence (<see cref="DeploymentName"/>).</summary>
    public string Name => DeploymentName.Display(Deployment);
}

/// <summary>A week-on-week change of the rate: the difference with its 95% interval (MOVER from the two weeks' intervals).</summary>
public sealed record RateChange(string AgainstWeek, double Difference, double Lower, double Upper)
{
    /// <summary>"up 0.6 points on 2026-W47 (+0.1 to +1.2)": up or down only when the interval excludes no change.</summary>
    public string Words()
    {
        var direction = Lower > 0 ? "up" : Upper < 0 ? "down" : "no clear change";
        return $"{direction} {Points(Math.Abs(Difference))} on {AgainstWeek} ({Signed(Lower)} to {Signed(Upper)})";
    }

    /// <summary>
    /// Two independent weeks: d = p1 - p0, lower d - sqrt((p1 - l1)^2 + (u0 - p0)^2), upper d + sqrt((u1 - p1)^2 + (p0 - l0)^2)
    /// (Newcombe's method for a difference, from each week's own interval). Null when either week has no point.
    /// </summary>
    public static RateChange? Between(string againstWeek, RateInterval before, RateInterval now)
    {
        if (before.Value is not { } p0 || now.Value is not { } p1)
            return null;
        var d = p1 - p0;
        return new RateChange(againstWeek, d,
            d - Math.Sqrt(Square(p1 - now.Lower) + Square(before.Upper - p0)),
            d + Math.Sqrt(Square(now.Upper - p1) + Square(p0 - before.Lower)));
    }

    internal static string Points(double rate) => (rate * 100).ToString(rate < 0.001 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + (Math.Abs(rate * 100 - 1) < 1e-9 ? " point" : " points");

    private static string Signed(double rate) => (rate >= 0 ? "+" : "-") + (Math.Abs(rate) * 100).ToString(Math.Abs(rate) < 0.001 ? "0.00" : "0.0", CultureInfo.InvariantCulture);

    private static double Square(double x) => x * x;
}

/// <summary>The report's first sentence: the rate, its interval, the change against last week and the worst deployment.</summary>
public static class TopLine
{
    /// <summary>The deployment whose rate is most surely high: the highest lower bound, then the highest point.</summary>
    public static DeploymentLine? Worst(IEnumerable<DeploymentLine> deployments) => deployments
        .Where(d => d.FailureRate.Value is not null)
        .OrderByDescending(d => d.FailureRate.Lower).ThenByDescending(d => d.FailureRate.Value)
        .ThenBy(d => d.Model, StringComparer.Ordinal).ThenBy(d => d.Route, StringComparer.Ordinal).ThenBy(d => d.Deployment, StringComparer.Ordinal)
        .FirstOrDefault();

    public static string Sentence(long samples, RateInterval rate, RateChange? change, DeploymentLine? worst)
    {
        if (samples == 0)
            return "No samples this week.";
        var head = rate.Value is null
            ? $"Silent-failure rate unknown this week (bounds {Text.Percent(rate.Lower)}–{Text.Percent(rate.Upper)}: a whole flag group has no decisive review)"
            : $"Silent-failure rate {Text.Percent(rate.Value)} (95% interval {Text.Percent(rate.Lower)}–{Text.Percent(rate.Upper)})";
        var trend = change is null ? "no earlier week to compare with" : change.Words();
        var tail = worst is null
            ? "no deployment has a rate estimate yet"
            : $"worst deployment {worst.Name} on {worst.Model}/{worst.Route} at {Text.Percent(worst.FailureRate.Value)} ({Text.Percent(worst.FailureRate.Lower)}–{Text.Percent(worst.FailureRate.Upper)})";
        return $"{head}, {trend}; {tail}.";
    }
}
