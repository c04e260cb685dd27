using System.Globalization;
using Auditor.Detection.Evaluation;

namespace Auditor.Cli.Eval;

/// <summary>The combined flag per source, per tier and per failure kind, as eval prints it after the per-detector table.</summary>
internal static class EvalGroupsReport
{
    public static void Write(TextWriter output, CorpusEvaluation result)
    {
        var inv = CultureInfo.InvariantCulture;
        Section("source", result.BySource);
        Section("tier", result.ByTier);
        if (result.ByKind.Count > 0)
        {
            output.WriteLine();
            output.WriteLine(string.Format(inv, "{0,-20} {1,6} {2,7} {3,7}  {4}", "kind (label 1)", "rows", "caught", "recall", "caught by"));
            foreach (var g in result.ByKind)
                output.WriteLine(string.Format(inv, "{0,-20} {1,6} {2,7} {3,7:0.000}  {4}", g.Group, g.Positives, g.Caught, g.Recall, By(g.CaughtBy)));
        }
        if (result.CountedSignals.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("counted, not flagged (rows with a match): " + string.Join(", ", result.CountedSignals.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}")));
        }

        void Section(string name, IReadOnlyList<GroupQuality> groups)
        {
            if (groups.Count == 0)
                return;
            output.WriteLine();
            output.WriteLine(string.Format(inv, "{0,-48} {1,6} {2,6} {3,7} {4,7} {5,7}  {6}", name, "rows", "label1", "recall", "flagged0", "FPR", "false flags by"));
            foreach (var g in groups)
            {
                output.WriteLine(string.Format(inv, "{0,-48} {1,6} {2,6} {3,7:0.000} {4,7} {5,7:0.00%}  {6}",
                    g.Group, g.Rows, g.Positives, g.Recall, g.FalseFlags, g.FalsePositiveRate, By(g.FalseFlagsBy)));
            }
        }
    }

    private static string By(IReadOnlyDictionary<string, int> counts) =>
        string.Join(" ", counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"));
}
