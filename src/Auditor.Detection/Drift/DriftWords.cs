using System.Globalization;

namespace Auditor.Detection.Drift;

/// <summary>Says how a feature moved in words a reviewer reads.</summary>
public static class DriftWords
{
    private static readonly Dictionary<string, string> Logs = new()
    {
        ["logLength"] = "outputs", ["logWordCount"] = "word counts", ["logLineCount"] = "line counts",
    };

    private static readonly Dictionary<string, string> Shares = new()
    {
        ["nonWhitespaceShare"] = "non-blank characters", ["seqRep1"] = "repeated words (seq-rep-1)", ["seqRep2"] = "repeated bigrams (seq-rep-2)",
        ["seqRep3"] = "repeated trigrams (seq-rep-3)", ["seqRep4"] = "repetition (seq-rep-4)", ["repeatedShare"] = "copied text",
        ["weightedCopiedShare"] = "verbatim copies", ["trailingLoopShare"] = "text in a trailing loop", ["replacementShare"] = "replacement characters",
        ["controlShare"] = "control characters", ["scriptMix"] = "mixed-script letters", ["cjkShare"] = "CJK characters",
        ["finishedByLength"] = "outputs cut at the token limit", ["tokenBudgetUsed"] = "token budget used",
    };

    public static string Describe(string feature, double baselineMean, double windowMean)
    {
        if (Logs.TryGetValue(feature, out var noun))
        {
            // Means of log(1 + x): the ratio of geometric means.
            var ratio = Math.Exp(windowMean - baselineMean);
            var what = feature == "logLength" ? "outputs got" : noun + " got";
            var adjective = feature == "logLength" ? (ratio >= 1 ? "longer" : "shorter") : (ratio >= 1 ? "larger" : "smaller");
            var factor = ratio >= 1 ? ratio : 1 / ratio;
            return $"{what} {Number(factor)}x {adjective}";
        }
        var direction = windowMean >= baselineMean ? "rose" : "fell";
        if (Shares.TryGetValue(feature, out var share))
            return $"{share} {direction} from {Percent(baselineMean)} to {Percent(windowMean)}";
        return $"{feature} {direction} from {Number(baselineMean)} to {Number(windowMean)}";
    }

    private static string Number(double v) => v.ToString(v >= 10 ? "0" : "0.#", CultureInfo.InvariantCulture);

    private static string Percent(double v) => (v * 100).ToString(v < 0.1 ? "0.#" : "0", CultureInfo.InvariantCulture) + "%";
}
