using System.Text;
using Auditor.Contracts;

namespace Auditor.Detection.Features;

/// <summary>Builds an output's feature vector in a single pass over its characters.</summary>
public static class FeatureExtractor
{
    public static OutputFeatures Extract(OutputSample sample)
    {
        var text = sample.Output ?? "";
        int nonWhitespace = 0, first = -1, last = -1;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsWhiteSpace(text[i]))
                continue;
            nonWhitespace++;
            if (first < 0)
                first = i;
            last = i;
        }

        double? budget = sample is { CompletionTokens: { } used, MaxTokens: > 0 and var max } ? (double)used / max : null;
        return new OutputFeatures
        {
            CharLength = text.Length,
            Utf8Bytes = Encoding.UTF8.GetByteCount(text),
            NonWhitespaceChars = nonWhitespace,
            FirstNonWhitespace = first,
            LastNonWhitespace = last,
            FinishedByLength = sample.FinishReason == FinishReasons.Length,
            TokenBudgetUsed = budget,
        };
    }
}
