namespace Auditor.Detection.Drift;

/// <summary>
/// Whether a drift alert moved in the failure direction, and so may page (open an incident), or is a change of shape to
/// be shown as a notice. Failure direction: the anomalous share rose (the statistic "anomalous-share"), an indicator
/// rule's share rose (looping, blank: "…-share"), or, for a feature-only alert ("ks"), a feature that measures a failure
/// rose: repetition (seq-rep-n, repeated and copied share, trailing loop, repeated line runs), garbage characters
/// (replacement, control), template tokens, finishing by the length limit and the share of the token budget used.
/// A fall in repetition, or answers that got longer or shorter within budget, is a new style, not a failure
/// (issue #16: a switch to an equally strong model paged for "repeated bigrams fell").
/// </summary>
public static class DriftDirection
{
    /// <summary>Features whose rise is a failure sign (names from <see cref="Features.OutputFeatures.VectorNames"/>).</summary>
    public static IReadOnlySet<string> RisingFailureFeatures { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "seqRep1", "seqRep2", "seqRep3", "seqRep4", "repeatedShare", "weightedCopiedShare", "trailingLoopShare", "longestRepeatedLineRun",
        "replacementShare", "controlShare", "templateTokenHits", "finishedByLength", "tokenBudgetUsed",
    };

    public static bool IsFailure(string statistic, IEnumerable<DriftFeatureShift> features) =>
        statistic != "ks" || features.Any(f => RisingFailureFeatures.Contains(f.Feature) && f.WindowMean > f.BaselineMean);

    public static bool IsFailure(DriftAlert alert) => IsFailure(alert.Statistic, alert.Features);
}
