namespace Auditor.Review.Reports;

/// <summary>
/// A deployment against another of the same stream this week: the failure-rate difference with its 95% interval
/// (Newcombe's method from the two deployments' own intervals: they are independent samples) and the flag-rate difference.
/// </summary>
public sealed record DeploymentComparison(string Model, string Route, string Deployment, string Against, double Difference, double Lower, double Upper,
    double? FlagRateDifference, string Words)
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
        double? flags = deployment.FlagRate is { } a && against.FlagRate is { } b ? a - b : null;
        return new DeploymentComparison(deployment.Model, deployment.Route, deployment.Deployment, against.Deployment, change.Difference, change.Lower, change.Upper, flags, words);
    }

    private static string Signed(double rate) => (rate >= 0 ? "+" : "-") + (Math.Abs(rate) * 100).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
}
