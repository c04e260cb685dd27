namespace Auditor.Review.Blinding;

/// <summary>
/// Blind review: a uniform-stratum item is judged without seeing what the detectors said, so the verdict that estimates
/// the failure rate is not anchored on the detectors it is meant to check. The rule holds wherever a sample can be
/// read (the item page, the claim API, the samples pages and GET /api/v1/samples/{id}), not only on the item page.
/// </summary>
public static class BlindReview
{
    /// <summary>Whether items of this stratum are judged blind.</summary>
    public static bool IsBlind(bool blindUniform, string stratum) => blindUniform && stratum == "uniform";

    /// <summary>
    /// Whether a viewer must not see the detector results (nor other reviewers' verdicts) of a sample under review:
    /// the item is blind, the viewer is not an admin, the viewer has no standing verdict on it, and the item is not
    /// done (a done item can no longer be claimed by someone who has not judged it).
    /// </summary>
    public static bool HidesResults(bool blindUniform, string stratum, string itemState, bool viewerIsAdmin, bool viewerHasVerdict) =>
        IsBlind(blindUniform, stratum) && !viewerIsAdmin && !viewerHasVerdict && itemState != "done";
}
