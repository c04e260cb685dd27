using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Auditor.Detection.Evaluation;
using Auditor.Detection.Rules;

namespace Auditor.Cli.Eval;

/// <summary><c>auditor eval --corpus FILE.jsonl [--rules DIR] [--json]</c>: detector quality on a labelled corpus.</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var corpus = new Option<FileInfo>("--corpus") { Description = "Labelled JSON Lines corpus (output, label 0/1, optional finishReason, completionTokens, maxTokens, model, route).", Required = true };
        var rules = new Option<DirectoryInfo>("--rules") { Description = "Rules directory (default: rules).", DefaultValueFactory = _ => new DirectoryInfo("rules") };
        var json = new Option<bool>("--json") { Description = "End the output with one JSON object of the figures." };
        var rowsFile = new Option<FileInfo?>("--rows") { Description = "Write one JSON line per row: id, source, tier, label, kind, flagged, and each detector's score, flag and first evidence." };
        var cmd = new Command("eval", "Score a labelled corpus: AUROC, precision, recall and false-positive rate per detector and combined, per source, tier and failure kind.") { corpus, rules, json, rowsFile };
        cmd.SetAction((ParseResult pr, CancellationToken ct) =>
        {
            var ruleSet = LoadRules(pr.GetValue(rules)!);
            if (ruleSet is null)
                return Task.FromResult(1);
            var rows = ReadCorpus(pr.GetValue(corpus)!, requireLabels: true);
            if (rows is null)
                return Task.FromResult(2);
            var result = CorpusEvaluator.Evaluate(rows, ruleSet);
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Format(inv, "{0} rows, {1} labelled failures", result.Rows, result.Positives));
            Console.WriteLine(string.Format(inv, "{0,-14} {1,7} {2,9} {3,7} {4,7} {5,8} {6,9}", "detector", "AUROC", "precision", "recall", "FPR", "flagged", "abstained"));
            foreach (var d in result.Detectors.Append(result.Combined))
                Console.WriteLine(string.Format(inv, "{0,-14} {1,7:0.0000} {2,9:0.0000} {3,7:0.0000} {4,7:0.0000} {5,8} {6,9}", d.Detector, d.Auroc, d.Precision, d.Recall, d.FalsePositiveRate, d.Flagged, d.Abstained));
            EvalGroupsReport.Write(Console.Out, result);
            if (pr.GetValue(rowsFile) is { } rowsPath)
            {
                EvalRowsWriter.Write(rowsPath.FullName, result);
                Console.WriteLine($"rows written to {rowsPath.FullName}");
            }
            if (pr.GetValue(json))
            {
                var summary = new
                {
                    detectors = result.Detectors.ToDictionary(d => d.Detector, d => new { auroc = Finite(d.Auroc), precision = Finite(d.Precision), recall = Finite(d.Recall), fpr = Finite(d.FalsePositiveRate) }),
                    combined = new { precision = Finite(result.Combined.Precision), recall = Finite(result.Combined.Recall), fpr = Finite(result.Combined.FalsePositiveRate) },
                    tiers = result.ByTier.ToDictionary(g => g.Group, g => new { rows = g.Rows, positives = g.Positives, recall = Finite(g.Recall), falseFlags = g.FalseFlags, fpr = Finite(g.FalsePositiveRate), falseFlagsBy = g.FalseFlagsBy }),
                    kinds = result.ByKind.ToDictionary(g => g.Group, g => new { rows = g.Positives, caught = g.Caught, recall = Finite(g.Recall) }),
                    counted = result.CountedSignals,
                };
                Console.WriteLine(JsonSerializer.Serialize(summary));
            }
            return Task.FromResult(0);
        });
        return cmd;
    }

    // JSON has no NaN: an undefined figure (no flags, one class missing) is null.
    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    /// <summary>The corpus, or null after saying on stderr what is wrong with it (a missing file, each bad line).</summary>
    internal static IReadOnlyList<LabelledOutput>? ReadCorpus(FileInfo file, bool requireLabels)
    {
        try
        {
            return LabelledOutput.ReadJsonLines(file.FullName, requireLabels);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"{file.FullName}: cannot read the corpus: {e.Message}");
        }
        catch (CorpusFormatException e)
        {
            Console.Error.WriteLine($"{file.FullName}: {e.Message}");
        }
        return null;
    }

    internal static RuleSet? LoadRules(DirectoryInfo dir)
    {
        var load = RulesLoader.LoadDirectory(dir.FullName);
        foreach (var e in load.Errors)
            Console.Error.WriteLine(e);
        return load.RuleSet;
    }
}
