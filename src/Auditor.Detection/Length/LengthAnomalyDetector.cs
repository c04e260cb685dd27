using System.Globalization;

namespace Auditor.Detection.Length;

/// <summary>
/// Flags an output much shorter or much longer than its stream usually produces. Score: the absolute robust z-score
/// of ln(1 + characters) against the stream's baseline (median, 1.4826 MAD). Default threshold 6 (scale at least ln 2, see
/// <see cref="LengthBaseline.MinimumScale"/>): under a normal model 2 in a billion ordinary outputs lie that far out, but log lengths have heavy tails (early stops), and in a stream of near-constant length a flagged output is 64 times off its median.
/// Abstains until the stream has <see cref="LengthBaseline.DefaultMinimumCount"/> baseline samples.
/// </summary>
public sealed class LengthAnomalyDetector(int minimumCount = LengthBaseline.DefaultMinimumCount) : IDetector
{
    public string Name => "length";

    public double DefaultThreshold => 6.0;

    public DetectorResult Evaluate(DetectionContext context, DetectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        var baseline = context.Baselines.For(context.Model, context.Route);
        if (baseline is null || !baseline.IsReady(minimumCount))
        {
            return DetectorResult.Abstain(Name, settings.Threshold, string.Create(CultureInfo.InvariantCulture,
                $"No length baseline yet for this stream: {baseline?.Count ?? 0} of the {minimumCount} uniform samples it needs."));
        }

        var f = context.Features;
        var z = baseline.ZScore(f.LogLength);
        var score = Math.Abs(z);
        var flagged = score >= settings.Threshold;
        // The typical length is only needed to explain a flag (most samples are not flagged).
        var explanation = flagged
            ? string.Create(CultureInfo.InvariantCulture,
                $"{f.CharLength} characters where this stream's median is {Math.Exp(baseline.MedianLog) - 1:0}: unusually {(z < 0 ? "shorter" : "longer")} ({score:0.0} robust deviations, threshold {settings.Threshold:0.0}).")
            : "The length is within this stream's usual range.";
        IReadOnlyList<EvidenceSpan> evidence = flagged && f.CharLength > 0
            ? [new EvidenceSpan(0, f.CharLength, z < 0 ? "the whole (short) output" : "the whole (long) output")]
            : [];
        return new DetectorResult(Name, score, settings.Threshold, flagged, evidence, explanation);
    }
}
