namespace Auditor.Detection;

/// <summary>A stretch of the output that a detector points at, in UTF-16 character offsets, so the UI can highlight it.</summary>
public sealed record EvidenceSpan(int Start, int Length, string Note);

/// <summary>
/// What one detector said about one output: its score against its threshold, whether it flagged,
/// where in the output it looked, and one sentence a reviewer understands.
/// </summary>
/// <param name="Detector">Stable detector name, e.g. "truncation".</param>
/// <param name="Score">Higher means more likely a failure; comparable to <paramref name="Threshold"/>.</param>
/// <param name="Threshold">The threshold in force for this sample's stream when it was judged.</param>
/// <param name="Flagged">Score reached the threshold (never true when abstaining).</param>
/// <param name="Evidence">Spans of the output that support the judgement.</param>
/// <param name="Explanation">One sentence for a reviewer.</param>
/// <param name="Abstained">The detector could not judge (for example, no baseline yet); the explanation says why.</param>
public sealed record DetectorResult(
    string Detector,
    double Score,
    double Threshold,
    bool Flagged,
    IReadOnlyList<EvidenceSpan> Evidence,
    string Explanation,
    bool Abstained = false)
{
    /// <summary>A result for a detector that cannot judge this sample, with the reason.</summary>
    public static DetectorResult Abstain(string detector, double threshold, string reason) =>
        new(detector, 0, threshold, false, [], reason, Abstained: true);
}
