namespace Auditor.Review.Estimation;

/// <summary>How estimates are computed. The defaults are what the weekly report uses.</summary>
/// <param name="ConfidenceLevel">Two-sided interval level.</param>
/// <param name="Draws">Posterior draws per simulation; 10,000 puts the Monte Carlo error of a 2.5% percentile well below the interval's own width.</param>
/// <param name="Seed">Fixed so a report is reproducible: the same counts and verdicts give the same intervals.</param>
/// <param name="TargetHalfWidth">An estimate whose interval is wider than plus or minus this is under-powered (0.01 = one percentage point).</param>
/// <param name="MinimumCoverage">Decisive verdicts over selected items, per estimation stratum, below which the cell warns of nonresponse bias.</param>
public sealed record EstimationOptions(
    double ConfidenceLevel = 0.95,
    int Draws = 10_000,
    int Seed = 7919,
    double TargetHalfWidth = 0.01,
    double MinimumCoverage = 0.8)
{
    public static EstimationOptions Default { get; } = new();

    public EstimationOptions Validated()
    {
        if (!(ConfidenceLevel is > 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(ConfidenceLevel), ConfidenceLevel, "The confidence level must be strictly between 0 and 1.");
        if (Draws < 100)
            throw new ArgumentOutOfRangeException(nameof(Draws), Draws, "At least 100 posterior draws are needed for percentiles.");
        if (!(TargetHalfWidth is > 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(TargetHalfWidth), TargetHalfWidth, "The target half-width must be strictly between 0 and 1.");
        if (!(MinimumCoverage is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(MinimumCoverage), MinimumCoverage, "The minimum coverage must be between 0 and 1.");
        return this;
    }
}
