using Auditor.Detection;
using Auditor.Detection.Drift;
using Auditor.Detection.Features;
using BenchmarkDotNet.Attributes;

namespace Auditor.Benchmarks;

/// <summary>
/// drift.anomaly cost per sample over the corpus' feature vectors: the plain-array PCA score alone, and the detector
/// (vector, score, sketch update) as a consumer runs it. One operation = one sample.
/// </summary>
[MemoryDiagnoser]
public class DriftScoringBenchmarks : CorpusBenchmark
{
    private float[][] _vectors = [];
    private DetectionContext[] _contexts = [];
    private DriftModel _model = null!;
    private DriftAnomalyDetector _detector = null!;
    private readonly DetectorSettings _settings = new(true, 1.0);
    private int _next;

    public override void Setup()
    {
        base.Setup();
        var features = Samples.Select(s => FeatureExtractor.Extract(s)).ToArray();
        _vectors = features.Select(f => f.ToVector()).ToArray();
        _model = DriftModelTrainer.Train("corpus", "default", _vectors);
        var models = new SwappableDriftModels();
        models.Replace([_model], DateTimeOffset.UtcNow);
        _detector = new DriftAnomalyDetector(models);
        _contexts = Samples.Select((s, i) => new DetectionContext(s with { Model = "corpus", Route = "default", OccurredAt = DateTimeOffset.UtcNow }, features[i])).ToArray();
    }

    [Benchmark(Baseline = true)]
    public double Score() => _model.Score(_vectors[_next++ % _vectors.Length]);

    [Benchmark]
    public DetectorResult Detector() => _detector.Evaluate(_contexts[_next++ % _contexts.Length], _settings);
}
