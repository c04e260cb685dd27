using Auditor.Review.Routing;

namespace Auditor.Review.Estimation;

/// <summary>
/// Whether the decisive reviews can stand for the selected items. The stratified estimate assumes that, within a
/// flag status, the items that got a decisive verdict are a random subset of the items selected. Two checks:
/// coverage (decisive / selected) under the minimum in a stratum with selected items, and, among uniform-draw
/// items, a flagged share that differs between decided and undecided items by more than 3 standard errors
/// (reviewers skipping the hard or the easy ones). Either sets Low and says why.
/// </summary>
public static class ReviewCoverageCheck
{
    public static ReviewCoverage Assess(IReadOnlyCollection<ReviewItem> items, EstimationOptions options)
    {
        var flagged = Count(items.Where(IsFlagged));
        var unflagged = Count(items.Where(i => !IsFlagged(i)));
        var selected = flagged.Selected + unflagged.Selected;
        var decisive = flagged.Decisive + unflagged.Decisive;
        double? coverage = selected > 0 ? (double)decisive / selected : null;

        var warnings = new List<string>();
        foreach (var (name, s) in new[] { ("flagged", flagged), ("unflagged", unflagged) })
        {
            if (s.Coverage is { } c && c < options.MinimumCoverage)
                warnings.Add($"Low review coverage in the {name} stratum: {s.Decisive} decisive verdicts of {s.Selected} selected ({c:P0}, {s.Unsure} unsure, {s.Pending} pending); "
                    + $"below {options.MinimumCoverage:P0} the unreviewed items may differ from the reviewed ones and bias the estimate.");
        }

        var uniform = items.Where(i => i.Stratum == ReviewStratum.Uniform).ToArray();
        var decided = uniform.Where(IsDecisive).ToArray();
        var undecided = uniform.Where(i => !IsDecisive(i)).ToArray();
        if (decided.Length >= 20 && undecided.Length >= 20)
        {
            double p1 = decided.Count(IsFlagged) / (double)decided.Length, p2 = undecided.Count(IsFlagged) / (double)undecided.Length;
            var pooled = (decided.Count(IsFlagged) + undecided.Count(IsFlagged)) / (double)uniform.Length;
            var se = Math.Sqrt(pooled * (1 - pooled) * (1.0 / decided.Length + 1.0 / undecided.Length));
            if (se > 0 && Math.Abs(p1 - p2) / se > 3)
                warnings.Add($"Reviews do not look like a random subset: among uniform-draw items, {p1:P1} of those decided were flagged against {p2:P1} of those not decided.");
        }

        return new ReviewCoverage(selected, decisive, flagged.Unsure + unflagged.Unsure, flagged.Pending + unflagged.Pending,
            coverage, flagged, unflagged, warnings.Count > 0, warnings);
    }

    /// <summary>An item selected by the flagged draw is flagged, whatever its Flagged field says.</summary>
    internal static bool IsFlagged(ReviewItem item) => item.Flagged || item.Stratum == ReviewStratum.Flagged;

    internal static bool IsDecisive(ReviewItem item) => item.Verdict is ReviewVerdict.Ok or ReviewVerdict.Failure;

    private static StratumCoverage Count(IEnumerable<ReviewItem> items)
    {
        int selected = 0, decisive = 0, failures = 0, unsure = 0, pending = 0;
        foreach (var i in items)
        {
            selected++;
            switch (i.Verdict)
            {
                case ReviewVerdict.Ok: decisive++; break;
                case ReviewVerdict.Failure: decisive++; failures++; break;
                case ReviewVerdict.Unsure: unsure++; break;
                case null: pending++; break;
            }
        }
        return new StratumCoverage(selected, decisive, failures, unsure, pending);
    }
}
