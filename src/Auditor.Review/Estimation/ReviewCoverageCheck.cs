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
        // Item counts weigh each row by its Count (a weekly tally stands for that many items).
        int decided = uniform.Where(IsDecisive).Sum(i => i.Count), undecided = uniform.Where(i => !IsDecisive(i)).Sum(i => i.Count);
        if (decided >= 20 && undecided >= 20)
        {
            int decidedFlagged = uniform.Where(i => IsDecisive(i) && IsFlagged(i)).Sum(i => i.Count);
            int undecidedFlagged = uniform.Where(i => !IsDecisive(i) && IsFlagged(i)).Sum(i => i.Count);
            double p1 = decidedFlagged / (double)decided, p2 = undecidedFlagged / (double)undecided;
            var pooled = (decidedFlagged + undecidedFlagged) / (double)(decided + undecided);
            var se = Math.Sqrt(pooled * (1 - pooled) * (1.0 / decided + 1.0 / undecided));
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
            selected += i.Count;
            switch (i.Verdict)
            {
                case ReviewVerdict.Ok: decisive += i.Count; break;
                case ReviewVerdict.Failure: decisive += i.Count; failures += i.Count; break;
                case ReviewVerdict.Unsure: unsure += i.Count; break;
                case null: pending += i.Count; break;
            }
        }
        return new StratumCoverage(selected, decisive, failures, unsure, pending);
    }
}
