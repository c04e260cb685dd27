namespace Auditor.Review.Estimation;

/// <summary>
/// What every stratified estimator reads before it estimates: the strata validated, their totals, the design-blind
/// estimates, and a warning for each stratum whose reviews have no counted samples behind them.
/// </summary>
internal sealed record StrataTotals(long Population, long FlaggedPopulation, int Reviewed, int Failures, NaiveEstimates Naive, List<string> Warnings)
{
    public static StrataTotals Of(IReadOnlyList<Stratum> strata)
    {
        foreach (var s in strata)
            s.Validated();
        var warnings = new List<string>();
        foreach (var s in strata.Where(s => s.Population == 0 && s.Reviewed > 0))
            warnings.Add($"Stratum {s.Name} has {s.Reviewed} decisive reviews but no counted samples: the counters and the reviews disagree, and these reviews carry no weight.");
        var population = strata.Sum(s => s.Population);
        var flaggedPopulation = strata.Where(s => s.Flagged).Sum(s => s.Population);
        return new StrataTotals(population, flaggedPopulation, strata.Sum(s => s.Reviewed), strata.Sum(s => s.Failures),
            NaiveOf(strata, population, flaggedPopulation), warnings);
    }

    /// <summary>The estimate of a cell without samples: nothing is known, and nothing more to review would change that.</summary>
    public StratifiedEstimate Empty(EstimationOptions options)
    {
        var none = IntervalEstimate.Unknown("No samples in this cell.");
        return new StratifiedEstimate(none, none, none, 0, 0, Reviewed, Failures,
            new PowerAssessment(false, options.TargetHalfWidth, 0.5, 0, true, "No samples in this cell."), Naive, Warnings);
    }

    private static NaiveEstimates NaiveOf(IReadOnlyList<Stratum> strata, long population, long flaggedPopulation)
    {
        var flaggedReviewed = strata.Where(s => s.Flagged).Sum(s => s.Reviewed);
        var flaggedFailures = strata.Where(s => s.Flagged).Sum(s => s.Failures);
        var reviewed = strata.Sum(s => s.Reviewed);
        double? flaggedOnly = flaggedReviewed > 0 && population > 0
            ? (double)flaggedFailures / flaggedReviewed * flaggedPopulation / population
            : null;
        double? reviewedRate = reviewed > 0 ? (double)strata.Sum(s => s.Failures) / reviewed : null;
        return new NaiveEstimates(flaggedOnly, reviewedRate);
    }
}
