using System.Collections.Frozen;

namespace Auditor.Detection;

/// <summary>
/// A cheap check on one output. Detectors read the precomputed <see cref="DetectionContext.Features"/>
/// (and the sample's metadata); none rescans the text, so adding a detector does not add a pass.
/// </summary>
public interface IDetector
{
    /// <summary>Stable name, used in storage, thresholds and rules/ (lower case, dots allowed).</summary>
    string Name { get; }

    /// <summary>The threshold used when neither rules/ nor calibration sets one.</summary>
    double DefaultThreshold { get; }

    /// <summary>
    /// Signs of the score that are off unless a stream switches them on in rules/ (the rules detector's <c>refusal</c>:
    /// a refusal is counted and shown, not flagged, by default).
    /// </summary>
    IReadOnlySet<string> SignsOffByDefault => FrozenSet<string>.Empty;

    /// <summary>
    /// Whether this detector judges the output text. A sample whose text was not captured (outputCaptured = false) is
    /// judged only by detectors that read metadata alone (finish reason, tokens); the others abstain, saying so.
    /// </summary>
    bool ReadsOutputText => true;

    /// <summary>Judges one sample with the settings in force for its stream.</summary>
    DetectorResult Evaluate(DetectionContext context, DetectorSettings settings);
}
