using Auditor.Contracts;
using Auditor.Detection;
using Auditor.Detection.Evaluation;
using Auditor.Detection.Features;
using Auditor.Detection.Length;
using Auditor.Detection.Rules;
using BenchmarkDotNet.Attributes;

namespace Auditor.Benchmarks;

/// <summary>The dev corpus (AUDITOR_CORPUS overrides the path) and rules/ (AUDITOR_RULES). One operation = the whole corpus.</summary>
public abstract class CorpusBenchmark
{
    protected OutputSample[] Samples { get; private set; } = [];
    protected RuleSet Rules { get; private set; } = RuleSet.Defaults;
    protected LengthBaselineTable Baselines { get; private set; } = LengthBaselineTable.Empty;

    [GlobalSetup]
    public virtual void Setup()
    {
        var path = Environment.GetEnvironmentVariable("AUDITOR_CORPUS") ?? "/work/shared/corpus/dev.jsonl";
        Samples = LabelledOutput.ReadJsonLines(path).Select((r, i) => r.ToSample(i)).ToArray();
        Rules = RulesLoader.LoadDirectory(Environment.GetEnvironmentVariable("AUDITOR_RULES") ?? "rules").RuleSet ?? RuleSet.Defaults;
        Baselines = LengthBaselineTable.Build(Samples.Select(s => (s.Model!, s.Route!, s.Output!.Length)));
    }
}

/// <summary>Feature extraction, and extraction plus every detector but the regex rules (the "cheap" path), over the corpus.</summary>
[MemoryDiagnoser]
public class FeatureExtractionBenchmarks : CorpusBenchmark
{
    private DetectorRegistry _cheap = null!;

    public override void Setup()
    {
        base.Setup();
        _cheap = new DetectorRegistry(DetectorRegistry.All().Where(d => d is not RegexRulesDetector), (IRuleSetSource)Rules, Baselines);
    }

    [Benchmark(Baseline = true)]
    public int ExtractFeatures()
    {
        var words = 0;
        foreach (var s in Samples)
            words += FeatureExtractor.Extract(s, Rules.TemplateTokens).WordCount;
        return words;
    }

    [Benchmark]
    public int FeaturesAndCheapDetectors()
    {
        var flagged = 0;
        foreach (var s in Samples)
            flagged += _cheap.Inspect(s).Flagged ? 1 : 0;
        return flagged;
    }
}

/// <summary>Each detector alone on precomputed features.</summary>
[MemoryDiagnoser]
public class DetectorBenchmarks : CorpusBenchmark
{
    private DetectionContext[] _contexts = [];
    private IDetector _detector = null!;

    [ParamsSource(nameof(Detectors))]
    public string Detector { get; set; } = "degeneration";

    public static IEnumerable<string> Detectors => DetectorRegistry.All().Select(d => d.Name);

    public override void Setup()
    {
        base.Setup();
        _detector = DetectorRegistry.All().First(d => d.Name == Detector);
        _contexts = Samples.Select(s => new DetectionContext(s, FeatureExtractor.Extract(s, Rules.TemplateTokens)) { Baselines = Baselines, Rules = Rules }).ToArray();
    }

    [Benchmark]
    public int Evaluate()
    {
        var flagged = 0;
        foreach (var c in _contexts)
            flagged += _detector.Evaluate(c, Rules.For(_detector, c.Model, c.Route)).Flagged ? 1 : 0;
        return flagged;
    }
}
