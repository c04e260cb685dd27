namespace Auditor.Detection.Empty;

/// <summary>
/// Flags an output that is empty or only white space (score 1: the model answered nothing), or a content-free stub
/// (<see cref="ContentFreeStub"/>: "Sure!", "Here is one possibility:" and nothing after; score <see cref="StubScore"/>,
/// over the default threshold 0.5, so a stream where such replies are whole answers counts blanks only with threshold 1).
/// </summary>
public sealed class EmptyOutputDetector : IDetector
{
    /// <summary>A stub has words, so it is a little less certain than a blank output.</summary>
    public const double StubScore = 0.75;

    public string Name => "empty";

    private readonly RepeatedResult _visible = new("empty");

    public double DefaultThreshold => 0.5;

    public DetectorResult Evaluate(DetectionContext context, DetectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        var f = context.Features;
        if (!f.IsBlank)
        {
            if (f.NonWhitespaceChars <= ContentFreeStub.MaxVisibleChars && ContentFreeStub.Is(context.Sample.Output ?? "", f.NonWhitespaceChars))
            {
                return new DetectorResult(Name, StubScore, settings.Threshold, StubScore >= settings.Threshold,
                    [new EvidenceSpan(f.FirstNonWhitespace, f.LastNonWhitespace + 1 - f.FirstNonWhitespace, "a reply with no content")],
                    "The output only acknowledges the request or announces an answer that never comes: no content was returned.");
            }
            return _visible.Get(settings.Threshold, false, "The output has visible text.");
        }

        var (evidence, explanation) = f.CharLength == 0
            ? (new EvidenceSpan(0, 0, "empty output"), "The output is empty: the model returned no text.")
            : (new EvidenceSpan(0, f.CharLength, "white space only"), $"The output is only white space ({f.CharLength} characters): the model returned no visible text.");
        return new DetectorResult(Name, 1, settings.Threshold, 1 >= settings.Threshold, [evidence], explanation);
    }
}
