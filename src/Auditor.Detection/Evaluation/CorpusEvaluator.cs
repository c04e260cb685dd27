using Auditor.Detection.Length;
using Auditor.Detection.Rules;

namespace Auditor.Detection.Evaluation;

/// <summary>Quality of one detector (or of the combined flag) on a labelled corpus, at the configured thresholds.</summary>
public sealed record DetectorQuality(string Detector, double Auroc, double Precision, double Recall, double FalsePositiveRate, int Flagged, int Abstained);

/// <summary>
/// The combined flag on a group of rows (one source, one tier, one failure kind): how many failures it caught, how many
/// fine rows it flagged, and which detectors did each.
/// </summary>
public sealed record GroupQuality(
    string Group, int Rows, int Positives, int Caught, int FalseFlags,
    IReadOnlyDictionary<string, int> CaughtBy, IReadOnlyDictionary<string, int> FalseFlagsBy)
{
    public int Negatives => Rows - Positives;
    public double Recall => Positives == 0 ? double.NaN : (double)Caught / Positives;
    public double FalsePositiveRate => Negatives == 0 ? double.NaN : (double)FalseFlags / Negatives;
}

/// <summary>One row as judged: the row and every detector's result.</summary>
public sealed record JudgedRow(LabelledOutput Row, Features.OutputFeatures Features, IReadOnlyList<DetectorResult> Results)
{
    public bool Flagged => Results.Any(r => r.Flagged);
}

/// <summary>The evaluation of a corpus: per detector and for "any detector flagged", overall and per group.</summary>
public sealed record CorpusEvaluation(int Rows, int Positives, IReadOnlyList<DetectorQuality> Detectors, DetectorQuality Combined)
{
    /// <summary>Every row with its results, in corpus order.</summary>
    public IReadOnlyList<JudgedRow> Judged { get; init; } = [];

    /// <summary>The combined flag per source (rows without a source are "(none)").</summary>
    public IReadOnlyList<GroupQuality> BySource { get; init; } = [];

    /// <summary>The combined flag per tier, when the corpus names tiers.</summary>
    public IReadOnlyList<GroupQuality> ByTier { get; init; } = [];

    /// <summary>Recall of the combined flag per failure kind, when the corpus names kinds (label-1 rows only).</summary>
    public IReadOnlyList<GroupQuality> ByKind { get; init; } = [];

    /// <summary>Matches of rules that are counted, not flagged (category refusal by default), per rule category.</summary>
    public IReadOnlyDictionary<string, int> CountedSignals { get; init; } = new Dictionary<string, int>();
}

/// <summary>
/// Scores a labelled corpus with the configured detectors. The length detector needs per-stream baselines: by
/// default they are built from the corpus's own lengths, label-blind, as the uniform stratum of that traffic would
/// give them (pass your own table to evaluate against stored baselines).
/// </summary>
public static class CorpusEvaluator
{
    public static CorpusEvaluation Evaluate(IReadOnlyList<LabelledOutput> rows, RuleSet rules, IStreamBaselines? baselines = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(rules);
        var samples = rows.Select((r, i) => r.ToSample(i)).ToArray();
        baselines ??= LengthBaselineTable.Build(samples.Select(s => (s.Model!, s.Route!, (s.Output ?? "").Length)));
        var registry = DetectorRegistry.FromRules(rules, baselines);
        var labels = rows.Select(r => r.Label).ToArray();

        var names = registry.Detectors.Select(d => d.Name).ToArray();
        var scores = names.ToDictionary(n => n, _ => new double[rows.Count]);
        var flags = names.ToDictionary(n => n, _ => new bool[rows.Count]);
        var abstained = names.ToDictionary(n => n, _ => 0);
        var combined = new bool[rows.Count];
        var judged = new JudgedRow[rows.Count];
        var counted = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < samples.Length; i++)
        {
            var inspection = registry.Inspect(samples[i]);
            foreach (var result in inspection.Results)
            {
                // An abstention ranks below every judgement: it said nothing.
                scores[result.Detector][i] = result.Abstained ? double.NegativeInfinity : result.Score;
                flags[result.Detector][i] = result.Flagged;
                if (result.Abstained)
                    abstained[result.Detector]++;
                foreach (var category in result.Evidence.Where(e => e.Note.EndsWith(RegexRulesDetector.CountedNoteSuffix, StringComparison.Ordinal))
                             .Select(e => RegexRulesDetector.CategoryOf(e.Note)).Distinct(StringComparer.Ordinal))
                    counted[category] = counted.GetValueOrDefault(category) + 1;
            }
            combined[i] = inspection.Flagged;
            judged[i] = new JudgedRow(rows[i], inspection.Features, inspection.Results);
        }

        var perDetector = names.Select(n => Quality(n, scores[n], flags[n], labels, abstained[n])).ToArray();
        var combinedScore = combined.Select(f => f ? 1.0 : 0.0).ToArray();
        return new CorpusEvaluation(rows.Count, labels.Count(l => l == 1), perDetector, Quality("combined", combinedScore, combined, labels, 0))
        {
            Judged = judged,
            BySource = Groups(judged, j => j.Row.Source ?? "(none)"),
            ByTier = judged.Any(j => j.Row.Tier is not null) ? Groups(judged, j => j.Row.Tier ?? "(none)") : [],
            ByKind = judged.Any(j => j.Row.Kind is not null) ? Groups(judged.Where(j => j.Row.Label == 1), j => j.Row.Kind ?? "(none)") : [],
            CountedSignals = counted,
        };
    }

    private static GroupQuality[] Groups(IEnumerable<JudgedRow> judged, Func<JudgedRow, string> key) =>
        judged.GroupBy(key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var rows = g.ToArray();
            var positives = rows.Where(r => r.Row.Label == 1).ToArray();
            var negatives = rows.Where(r => r.Row.Label != 1).ToArray();
            return new GroupQuality(g.Key, rows.Length, positives.Length, positives.Count(r => r.Flagged), negatives.Count(r => r.Flagged),
                ByDetector(positives), ByDetector(negatives));
        }).ToArray();

    private static Dictionary<string, int> ByDetector(IEnumerable<JudgedRow> rows) =>
        rows.SelectMany(r => r.Results.Where(x => x.Flagged).Select(x => x.Detector))
            .GroupBy(d => d, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    private static DetectorQuality Quality(string name, double[] scores, bool[] flagged, int[] labels, int abstained)
    {
        int tp = 0, fp = 0, fn = 0, tn = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            switch (flagged[i], labels[i] == 1)
            {
                case (true, true): tp++; break;
                case (true, false): fp++; break;
                case (false, true): fn++; break;
                default: tn++; break;
            }
        }
        return new DetectorQuality(name, Auroc.Compute(scores, labels),
            tp + fp == 0 ? double.NaN : (double)tp / (tp + fp),
            tp + fn == 0 ? double.NaN : (double)tp / (tp + fn),
            fp + tn == 0 ? double.NaN : (double)fp / (fp + tn),
            tp + fp, abstained);
    }
}
