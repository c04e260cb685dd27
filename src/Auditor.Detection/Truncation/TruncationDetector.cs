using System.Globalization;

namespace Auditor.Detection.Truncation;

/// <summary>
/// Flags an output cut off at the generation limit: finishReason = length, or completionTokens at or past maxTokens
/// (score 1). Otherwise the score is the larger of the share of the token budget used and, where the text itself shows a
/// cut (<see cref="CutEnd"/>: an open code fence, a last mark that joins to more text), <see cref="CutEndScore"/>: a
/// weaker sign, below the default threshold, that a stream which trusts it flags by setting the threshold to 0.5.
/// </summary>
public sealed class TruncationDetector : IDetector
{
    // How much of the output's end to highlight as the place it was cut.
    private const int TailChars = 40;

    /// <summary>The score of a cut seen in the text alone: half of the metadata's certainty.</summary>
    public const double CutEndScore = 0.5;

    public string Name => "truncation";

    private const string EndedBudgetUnknown = "Generation ended on its own (no length stop reported, token budget unknown).";

    private readonly RepeatedResult _endedBudgetUnknown = new("truncation");

    public double DefaultThreshold => 1.0;

    /// <summary>Finish reason and token counts suffice: a sample without its text is still judged.</summary>
    public bool ReadsOutputText => false;

    public DetectorResult Evaluate(DetectionContext context, DetectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        var f = context.Features;
        var sample = context.Sample;
        var budget = f.TokenBudgetUsed;
        string explanation;
        double score;
        var cut = CutEndKind.None;
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
            cut = CutEnd.Find(sample.Output ?? "", f.LastNonWhitespace, context.FirstFenceOrTagMark);
            if (cut != CutEndKind.None && CutEndScore > score)
            {
                score = CutEndScore;
                explanation = $"The text looks cut off: {CutEnd.Describe(cut)} (no length stop reported; a weaker sign than finishReason).";
            }
            else
            {
                explanation = budget is null
                    ? EndedBudgetUnknown
                    // Invariant, so every consumer writes the same sentence whatever its host's culture.
                    : string.Create(CultureInfo.InvariantCulture, $"Generation ended on its own after {budget:P0} of the token budget.");
            }
        }

        var flagged = score >= settings.Threshold;
        var pointsAtEnd = (flagged || cut != CutEndKind.None) && f.CharLength > 0;
        // The verdict of most outputs without token counts (score 0, the fixed sentence): one shared result.
        if (!pointsAtEnd && ReferenceEquals(explanation, EndedBudgetUnknown))
            return _endedBudgetUnknown.Get(settings.Threshold, flagged, EndedBudgetUnknown);
        IReadOnlyList<EvidenceSpan> evidence = pointsAtEnd
            ? [new EvidenceSpan(Math.Max(0, f.LastNonWhitespace + 1 - TailChars), Math.Min(TailChars, f.LastNonWhitespace + 1),
                score >= 1 ? "output ends here, at the token limit" : cut != CutEndKind.None ? "output ends here, mid-sentence or inside a code block" : "output ends here, close to the token limit")]
            : [];
        return new DetectorResult(Name, score, settings.Threshold, flagged, evidence, explanation);
    }
}
