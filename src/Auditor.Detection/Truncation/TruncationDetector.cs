using System.Globalization;

namespace Auditor.Detection.Truncation;

/// <summary>
/// Flags an output cut off at the generation limit: finishReason = length, or completionTokens at or past maxTokens.
/// The score is 1 for either signal, otherwise the share of the token budget used (so a threshold below 1
/// can also flag outputs that ran right up to the limit).
/// </summary>
public sealed class TruncationDetector : IDetector
{
    // How much of the output's end to highlight as the place it was cut.
    private const int TailChars = 40;

    public string Name => "truncation";

    public double DefaultThreshold => 1.0;

    /// <summary>Finish reason and token counts suffice: a sample without its text is still judged.</summary>
    public bool ReadsOutputText => false;

    public DetectorResult Evaluate(DetectionContext context, DetectorSettings settings)
    {
        var f = context.Features;
        var sample = context.Sample;
        var budget = f.TokenBudgetUsed;
        string explanation;
        double score;
        if (f.FinishedByLength)
        {
            score = 1;
            explanation = "Generation stopped at the token limit (finishReason = length): the answer is cut off.";
        }
        else if (budget >= 1)
        {
            score = 1;
            explanation = string.Create(CultureInfo.InvariantCulture,
                $"The output used {sample.CompletionTokens} of {sample.MaxTokens} allowed tokens: it most likely ends mid-answer.");
        }
        else
        {
            score = budget ?? 0;
            explanation = budget is null
                ? "Generation ended on its own (no length stop reported, token budget unknown)."
                // Invariant, so every consumer writes the same sentence whatever its host's culture.
                : string.Create(CultureInfo.InvariantCulture, $"Generation ended on its own after {budget:P0} of the token budget.");
        }

        var flagged = score >= settings.Threshold;
        IReadOnlyList<EvidenceSpan> evidence = flagged && f.CharLength > 0
            ? [new EvidenceSpan(Math.Max(0, f.CharLength - TailChars), Math.Min(TailChars, f.CharLength),
                score >= 1 ? "output ends here, at the token limit" : "output ends here, close to the token limit")]
            : [];
        return new DetectorResult(Name, score, settings.Threshold, flagged, evidence, explanation);
    }
}
