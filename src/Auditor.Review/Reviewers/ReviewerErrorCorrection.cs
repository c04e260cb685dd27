using Auditor.Review.Estimation;

namespace Auditor.Review.Reviewers;

/// <summary>
/// The failure rate corrected for reviewer error (Rogan and Gladen 1978): reviewers who catch a share Se of failures and
/// keep a share Sp of good outputs label a share q = Se p + (1 - Sp)(1 - p) as failures, so p = (q + Sp - 1) / (Se + Sp - 1),
/// clamped to [0, 1]. The interval carries all three uncertainties: q's own interval, and Se's and Sp's Wilson intervals,
/// combined by MOVER (each source moved alone to its bound, the distances summed in quadrature on each side; p rises
/// with q and Sp and falls with Se). With Se + Sp - 1 not clearly above 0 the reviewers carry no information and the
/// rate is not corrected.
/// </summary>
public static class ReviewerErrorCorrection
{
    public static IntervalEstimate? Correct(IntervalEstimate observed, ReviewerAccuracy pooled)
    {
        if (observed.Value is not { } q || pooled.Sensitivity is not { } se || pooled.Specificity is not { } sp)
            return null;
        if (se.Lower + sp.Lower - 1 <= 0.05)
            return null;
        double Rg(double rate, double sensitivity, double specificity) => Math.Clamp((rate + specificity - 1) / (sensitivity + specificity - 1), 0, 1);

        var p = Rg(q, se.Value!.Value, sp.Value!.Value);
        double Sq(double x) => x * x;
        var below = Sq(p - Rg(observed.Lower, se.Value.Value, sp.Value.Value)) + Sq(p - Rg(q, se.Upper, sp.Value.Value)) + Sq(p - Rg(q, se.Value.Value, sp.Lower));
        var above = Sq(Rg(observed.Upper, se.Value.Value, sp.Value.Value) - p) + Sq(Rg(q, se.Lower, sp.Value.Value) - p) + Sq(Rg(q, se.Value.Value, sp.Upper) - p);
        return new IntervalEstimate(p, Math.Max(0, p - Math.Sqrt(below)), Math.Min(1, p + Math.Sqrt(above)),
            $"Corrected for reviewer error: sensitivity {se.Value:P1} ({pooled.FailuresCaught} of {pooled.Failures} known failures), specificity {sp.Value:P2} ({pooled.OksKept} of {pooled.Oks} known good outputs); p = (q + Sp - 1) / (Se + Sp - 1).");
    }
}
