namespace Auditor.Review.Reports;

/// <summary>
/// A deployment against another of the same stream this week: the failure-rate difference with its 95% interval
/// (Newcombe's method from the two deployments' own intervals: they are independent samples) and the flag-rate
/// difference with its 95% interval (Newcombe's hybrid score interval from the two flag counts' Wilson intervals: the
/// week's flag rate is counted, not sampled, so its interval is about each deployment's propensity to be flagged).
/// Coverage of both is simulated in DeploymentComparisonCoverageTests.
/// </summary>
public sealed record DeploymentComparison(string Model, string Route, string Deployment, string Against, double Difference, double Lower, double Upper,
    double? FlagRateDifference, string Words, double? FlagRateLower = null, double? FlagRateUpper = null)
{
    /// <summary>
    /// Each deployment of a stream against the stream's busiest other deployment (the one it most likely replaces or
    /// runs beside), for streams with more than one deployment with a rate estimate.
    /// </summary>
    public static IReadOnlyList<DeploymentComparison> Of(IEnumerable<DeploymentLine> deployments) => deployments
        .Where(d => d.FailureRate.Value is not null)
        .GroupBy(d => (d.Model, d.Route))
        .Where(g => g.Count() > 1)
        .SelectMany(g =>
        {
            var reference = g.OrderByDescending(d => d.Samples).ThenBy(d => d.Deployment, StringComparer.Ordinal).First();
            return g.Where(d => d != reference).Select(d => Between(d, reference));
        })
        .ToList();

    public static DeploymentComparison Between(DeploymentLine deployment, DeploymentLine against)
    {
        var change = RateChange.Between(against.Name, against.FailureRate, deployment.FailureRate)!;
        var more = change.Difference >= 0;
        var words = $"{deployment.Name} fails {RateChange.Points(Math.Abs(change.Difference))} {(more ? "more" : "less")} often than {against.Name} "
            + $"({Signed(change.Lower)} to {Signed(change.Upper)})"
            + (change.Lower > 0 ? "" : change.Upper < 0 ? "" : "; the data cannot tell them apart");
        var flags = FlagRateChange(deployment, against);
        if (flags is { } f)
            words += $"; it is flagged {RateChange.Points(Math.Abs(f.Difference))} {(f.Difference >= 0 ? "more" : "less")} often ({Signed(f.Lower)} to {Signed(f.Upper)})";
        return new DeploymentComparison(deployment.Model, deployment.Route, deployment.Deployment, against.Deployment, change.Difference, change.Lower, change.Upper,
            flags?.Difference, words, flags?.Lower, flags?.Upper);
    }

    /// <summary>
    /// Newcombe's hybrid score interval (his method 10) for p1 - p2 from x1/n1 and x2/n2: with Wilson limits (l_i, u_i),
    /// lower d - sqrt((p1 - l1)^2 + (u2 - p2)^2), upper d + sqrt((u1 - p1)^2 + (p2 - l2)^2).
    /// </summary>
    private static (double Difference, double Lower, double Upper)? FlagRateChange(DeploymentLine deployment, DeploymentLine against)
    {
        if (deployment.FlagRate is not { } p1 || against.FlagRate is not { } p2 || deployment.Samples == 0 || against.Samples == 0)
            return null;
        var (l1, u1) = Auditor.Review.Estimation.DesignBasedEstimator.Wilson(p1, deployment.Samples, Z95);
        var (l2, u2) = Auditor.Review.Estimation.DesignBasedEstimator.Wilson(p2, against.Samples, Z95);
        var d = p1 - p2;
        return (d, d - Math.Sqrt((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2)), d + Math.Sqrt((u1 - p1) * (u1 - p1) + (p2 - l2) * (p2 - l2)));
    }

    private const double Z95 = 1.959963984540054;

    private static string Signed(double rate) => (rate >= 0 ? "+" : "-") + (Math.Abs(rate) * 100).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
}
