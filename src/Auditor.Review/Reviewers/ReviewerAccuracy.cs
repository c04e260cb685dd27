using Auditor.Review.Estimation;
using Auditor.Review.Verdicts;

namespace Auditor.Review.Reviewers;

/// <summary>
/// A reviewer's verdict on an item whose answer is known otherwise: a gold item (an admin recorded its verdict), or a
/// double-reviewed item whose other reviewers settled it (<see cref="SettledVerdict"/> over their verdicts alone).
/// Count is how many such verdicts it stands for (the weekly tallies give judgements counted; one by one it is 1).
/// </summary>
public sealed record ReferenceJudgement(string Reviewer, ReviewVerdict Reference, ReviewVerdict Given, bool Gold, int Count = 1);

/// <summary>
/// One reviewer's (or everyone's pooled) sensitivity: failures called failures among reference failures, and
/// specificity: oks called ok among reference oks, each with a Wilson 95% interval (null without any such item).
/// Unsure answers count against neither and are counted.
/// </summary>
public sealed record ReviewerAccuracy(string Reviewer, int Failures, int FailuresCaught, IntervalEstimate? Sensitivity, int Oks, int OksKept,
    IntervalEstimate? Specificity, int Unsure, int Gold);

/// <summary>Every reviewer's accuracy, the pooled one the correction uses, and what the report should warn about.</summary>
public sealed record ReviewerAccuracySummary(IReadOnlyList<ReviewerAccuracy> Reviewers, ReviewerAccuracy Pooled, IReadOnlyList<string> Warnings);

/// <summary>
/// Sensitivity and specificity per reviewer from gold items and settled double reviews. Gold items are the reference
/// proper; double reviews measure a reviewer against colleagues who may share the same blind spot, so they are pooled
/// with gold but counted apart (Gold) so a reader can tell which the figures rest on.
/// </summary>
public static class ReviewerAccuracyEstimator
{
    /// <summary>Below this kappa the report warns: 0.6 is the usual line between moderate and substantial agreement.</summary>
    public const double LowKappa = 0.6;

    /// <summary>A reviewer whose sensitivity or specificity upper bound is under these is warned about.</summary>
    public const double LowSensitivity = 0.9, LowSpecificity = 0.98;

    /// <summary>
    /// For each double-reviewed item and each of its reviewers, the reference is what the other reviewers' verdicts
    /// settle to (decisive only); gold items give their recorded verdict as the reference for every reviewer.
    /// </summary>
    public static IEnumerable<ReferenceJudgement> FromItems(IEnumerable<(IReadOnlyList<CastVerdict> Verdicts, ReviewVerdict? Gold)> items)
    {
        foreach (var (verdicts, gold) in items)
        {
            foreach (var v in verdicts)
            {
                var given = SettledVerdict.Parse(v.Verdict);
                if (gold is { } g && g != ReviewVerdict.Unsure)
                {
                    yield return new ReferenceJudgement(v.Reviewer, g, given, Gold: true);
                    continue;
                }
                var others = verdicts.Where(o => o.Reviewer != v.Reviewer).ToList();
                if (SettledVerdict.Settle(others, done: true) is { IsDecisive: true } reference)
                    yield return new ReferenceJudgement(v.Reviewer, reference.Verdict, given, Gold: false);
            }
        }
    }

    public static ReviewerAccuracySummary Estimate(IEnumerable<ReferenceJudgement> judgements, double? kappa, EstimationOptions? options = null)
    {
        options ??= EstimationOptions.Default;
        var z = NormalDistribution.Quantile(1 - (1 - options.ConfidenceLevel) / 2);
        var all = judgements.ToList();
        var reviewers = all.GroupBy(j => j.Reviewer, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Accuracy(g.Key, g.ToList(), z)).ToList();
        var pooled = Accuracy("all reviewers", all, z);

        var warnings = new List<string>();
        if (kappa is { } k && k < LowKappa)
            warnings.Add($"Reviewer agreement is low (kappa {k:0.00}, under {LowKappa:0.0}): verdicts depend on who gives them; rates carry reviewer error. Compare verdicts on the double-reviewed items and sharpen the category definitions.");
        if (pooled.Gold == 0)
            warnings.Add("No gold item was judged: reviewer error is measured against colleagues only (double reviews), who may share a blind spot. Add gold items (POST /api/v1/review/gold).");
        foreach (var r in reviewers)
        {
            if (r.Sensitivity is { } se && se.Upper < LowSensitivity)
                warnings.Add($"Reviewer {r.Reviewer} called {r.FailuresCaught} of {r.Failures} known failures failures (sensitivity {Percent(se.Value)}, {Percent(se.Lower)}–{Percent(se.Upper)}): rates from their verdicts are low.");
            if (r.Specificity is { } sp && sp.Upper < LowSpecificity)
                warnings.Add($"Reviewer {r.Reviewer} called {r.Oks - r.OksKept} of {r.Oks} known good outputs failures (specificity {Percent(sp.Value)}, {Percent(sp.Lower)}–{Percent(sp.Upper)}): rates from their verdicts are high.");
        }
        return new ReviewerAccuracySummary(reviewers, pooled, warnings);
    }

    private static ReviewerAccuracy Accuracy(string reviewer, IReadOnlyList<ReferenceJudgement> judgements, double z)
    {
        var decisive = judgements.Where(j => j.Given != ReviewVerdict.Unsure).ToList();
        int failures = decisive.Where(j => j.Reference == ReviewVerdict.Failure).Sum(j => j.Count),
            caught = decisive.Where(j => j.Reference == ReviewVerdict.Failure && j.Given == ReviewVerdict.Failure).Sum(j => j.Count);
        int oks = decisive.Where(j => j.Reference == ReviewVerdict.Ok).Sum(j => j.Count),
            kept = decisive.Where(j => j.Reference == ReviewVerdict.Ok && j.Given == ReviewVerdict.Ok).Sum(j => j.Count);
        return new ReviewerAccuracy(reviewer, failures, caught, Proportion(caught, failures, z), oks, kept, Proportion(kept, oks, z),
            judgements.Sum(j => j.Count) - decisive.Sum(j => j.Count), judgements.Where(j => j.Gold).Sum(j => j.Count));
    }

    internal static IntervalEstimate? Proportion(int successes, int trials, double z)
    {
        if (trials == 0)
            return null;
        var p = (double)successes / trials;
        var (lower, upper) = DesignBasedEstimator.Wilson(p, trials, z);
        return new IntervalEstimate(p, lower, upper, $"{successes} of {trials}.");
    }

    private static string Percent(double? v) => v is { } x ? (x * 100).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + "%" : "–";
}
