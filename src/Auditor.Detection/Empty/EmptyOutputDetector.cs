namespace Auditor.Detection.Empty;

/// <summary>Flags an output that is empty or only white space: the model answered nothing.</summary>
public sealed class EmptyOutputDetector : IDetector
{
    public string Name => "empty";

    public double DefaultThreshold => 0.5;

    public DetectorResult Evaluate(DetectionContext context, DetectorSettings settings)
    {
        var f = context.Features;
        if (!f.IsBlank)
            return new DetectorResult(Name, 0, settings.Threshold, false, [], "The output has visible text.");

        var (evidence, explanation) = f.CharLength == 0
            ? (new EvidenceSpan(0, 0, "empty output"), "The output is empty: the model returned no text.")
            : (new EvidenceSpan(0, f.CharLength, "white space only"), $"The output is only white space ({f.CharLength} characters): the model returned no visible text.");
        return new DetectorResult(Name, 1, settings.Threshold, 1 >= settings.Threshold, [evidence], explanation);
    }
}
