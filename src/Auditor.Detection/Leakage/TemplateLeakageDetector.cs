namespace Auditor.Detection.Leakage;

/// <summary>
/// Flags chat-template tokens in the output (<c>&lt;|im_end|&gt;</c>, <c>&lt;|eot_id|&gt;</c>, <c>&lt;/s&gt;</c>...): the serving
/// stack did not stop on them or did not strip them, and the user sees the rest of the turn. Score: the number of
/// hits; one is enough (threshold 1), because such tokens never belong in an answer shown to a user. The residue of a
/// role separator (<see cref="RoleSeparatorResidue"/>: an answer to a finished request that starts with ": ") counts as one hit.
/// </summary>
public sealed class TemplateLeakageDetector : IDetector
{
    public string Name => "leakage";

    private readonly RepeatedResult _none = new("leakage");

    public double DefaultThreshold => 1;

    public DetectorResult Evaluate(DetectionContext context, DetectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        var f = context.Features;
        var flagged = f.TemplateTokenHits >= settings.Threshold;
        if (f.TemplateTokenHits == 0)
        {
            if (RoleSeparatorResidue.Is(context.Sample.Output ?? "", f.FirstNonWhitespace, context.Sample.Prompt))
            {
                return new DetectorResult(Name, 1, settings.Threshold, 1 >= settings.Threshold,
                    [new EvidenceSpan(f.FirstNonWhitespace, 1, "a role separator's colon left at the start")],
                    "The answer starts with the colon of a role separator (\"### Assistant:\"): the template's residue, shown because the serving stack did not strip it.");
            }
            return _none.Get(settings.Threshold, false, "No chat-template token appears in the output.");
        }

        var output = context.Sample.Output ?? "";
        var token = output.Substring(f.FirstTemplateTokenStart, f.FirstTemplateTokenLength);
        // "Ran on" only where text follows an end-of-sequence token (the degeneration detector's run-on sign); text after a
        // start token such as <|im_start|> is the turn the template opened, shown because the token was not stripped.
        var explanation = f.RunOnChars > 0
            ? $"The template token {token} leaked into the output ({f.TemplateTokenHits} template token(s) in all), and {f.RunOnChars} characters follow an end-of-sequence token: the model ran on past the end of its turn."
            : $"The template token {token} leaked into the output ({f.TemplateTokenHits} template token(s) in all): the serving stack did not strip it.";
        return new DetectorResult(Name, f.TemplateTokenHits, settings.Threshold, flagged,
            [new EvidenceSpan(f.FirstTemplateTokenStart, f.FirstTemplateTokenLength, $"leaked template token {token}")], explanation);
    }
}
