using Auditor.Detection.Length;
using Auditor.Detection.Rules;

namespace Auditor.Detection.Evaluation;

/// <summary>Quality of one detector (or of the combined flag) on a labelled corpus, at the configured thresholds.</summary>
public sealed record DetectorQuality(string Detector, double Auroc, double Precision, double Recall, double FalsePositiveRate, int Flagged, int Abstained);

/// <summary>The evaluation of a corpus: per detector and for "any detector flagged".</summary>
public sealed record CorpusEvaluation(int Rows, int Positives, IReadOnlyList<DetectorQuality> Detectors, DetectorQuality Combined);

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
            }
            combined[i] = inspection.Flagged;
        }

        var perDetector = names.Select(n => Quality(n, scores[n], flags[n], labels, abstained[n])).ToArray();
        var combinedScore = combined.Select(f => f ? 1.0 : 0.0).ToArray();
        return new CorpusEvaluation(rows.Count, labels.Count(l => l == 1), perDetector, Quality("combined", combinedScore, combined, labels, 0));
    }

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
