using Auditor.Contracts;
using Auditor.Detection;
using Auditor.Detection.Evaluation;
using Auditor.Detection.Features;
using Auditor.Detection.Length;
using Auditor.Detection.Rules;
using BenchmarkDotNet.Attributes;

namespace Auditor.Benchmarks;

/// <summary>Feature extraction and each detector over the dev corpus (AUDITOR_CORPUS overrides the path). One op = the whole corpus.</summary>
[MemoryDiagnoser]
public class DetectionBenchmarks
{
    private OutputSample[] _samples = [];
    private DetectionContext[] _contexts = [];
    private RuleSet _rules = RuleSet.Defaults;

    [ParamsSource(nameof(Detectors))]
    public string Detector { get; set; } = "degeneration";

    public static IEnumerable<string> Detectors => DetectorRegistry.All().Select(d => d.Name);

    [GlobalSetup]
    public void Setup()
    {
        var path = Environment.GetEnvironmentVariable("AUDITOR_CORPUS") ?? "/work/shared/corpus/dev.jsonl";
        _samples = LabelledOutput.ReadJsonLines(path).Select((r, i) => r.ToSample(i)).ToArray();
        _rules = RulesLoader.LoadDirectory(Environment.GetEnvironmentVariable("AUDITOR_RULES") ?? "rules").RuleSet ?? RuleSet.Defaults;
        var baselines = LengthBaselineTable.Build(_samples.Select(s => (s.Model!, s.Route!, s.Output!.Length)));
        _contexts = _samples.Select(s => new DetectionContext(s, FeatureExtractor.Extract(s, _rules.TemplateTokens)) { Baselines = baselines, Rules = _rules }).ToArray();
    }

    [Benchmark]
    public int ExtractFeatures()
    {
        var words = 0;
        foreach (var s in _samples)
            words += FeatureExtractor.Extract(s, _rules.TemplateTokens).WordCount;
        return words;
    }

    [Benchmark]
    public int EvaluateDetector()
    {
        var detector = DetectorRegistry.All().First(d => d.Name == Detector);
        var flagged = 0;
        foreach (var c in _contexts)
            flagged += detector.Evaluate(c, _rules.For(detector, c.Model, c.Route)).Flagged ? 1 : 0;
        return flagged;
    }
}
