using Auditor.Contracts;
using Auditor.Detection.Drift;
using Auditor.Detection.Features;

namespace Auditor.Detection.Tests.Drift;

public sealed class DriftModelTests
{
    [Fact]
    public void Training_is_deterministic_with_a_fixed_seed()
    {
        var baseline = new DriftStreams(1).Baseline();
        var a = DriftModelSerializer.ToBytes(DriftModelTrainer.Train("m", "r", baseline, new DriftTrainingOptions { Seed = 42 }));
        var b = DriftModelSerializer.ToBytes(DriftModelTrainer.Train("m", "r", baseline, new DriftTrainingOptions { Seed = 42 }));
        Assert.Equal(a, b);
    }

    [Fact]
    public void A_model_scores_identically_after_a_round_trip_through_bytes()
    {
        var streams = new DriftStreams(2);
        var model = DriftModelTrainer.Train("m", "r", streams.Baseline());
        var loaded = DriftModelSerializer.FromBytes(DriftModelSerializer.ToBytes(model), version: 7);
        Assert.Equal(7, loaded.Version);
        foreach (var v in streams.Vectors(200, s => s.Normal()).Concat(streams.Vectors(50, s => s.Looping())))
            Assert.Equal(model.Score(v), loaded.Score(v));
    }

    [Fact]
    public void The_threshold_sits_at_the_stated_quantile_of_fresh_baseline_scores()
    {
        var streams = new DriftStreams(3);
        var model = DriftModelTrainer.Train("m", "r", streams.Baseline(4000), new DriftTrainingOptions { Quantile = 0.99 });
        var fresh = streams.Vectors(20_000, s => s.Normal()).Count(v => model.Score(v) >= model.Threshold) / 20_000.0;
        Assert.InRange(fresh, 0.004, 0.02);
        Assert.InRange(model.ExpectedAnomalousShare, 0.005, 0.015);
    }

    [Fact]
    public void Flags_looping_outputs_and_names_repetition()
    {
        var streams = new DriftStreams(4);
        var models = new SwappableDriftModels();
        models.Replace([DriftModelTrainer.Train("m", "r", streams.Baseline())], DateTimeOffset.UnixEpoch);
        var detector = new DriftAnomalyDetector(models);
        var results = Enumerable.Range(0, 200).Select(_ => Judge(detector, streams.Looping())).ToList();
        Assert.True(results.Count(r => r.Flagged) >= 190, $"{results.Count(r => r.Flagged)} of 200 looping outputs flagged");
        var flagged = results.First(r => r.Flagged);
        Assert.Matches("seqRep|repeated|trailingLoop|compression|weightedCopied", flagged.Explanation);
    }

    [Fact]
    public void A_stream_without_a_model_abstains_and_says_why()
    {
        var result = Judge(new DriftAnomalyDetector(new SwappableDriftModels()), new DriftStreams(5).Normal());
        Assert.True(result.Abstained);
        Assert.False(result.Flagged);
        Assert.Contains("No drift model for this stream yet", result.Explanation);
    }

    [Fact]
    public void Refuses_to_train_on_too_few_samples()
    {
        var few = new DriftStreams(6).Baseline(50);
        Assert.Throws<ArgumentException>(() => DriftModelTrainer.Train("m", "r", few));
    }

    [Fact]
    public void The_registry_runs_the_drift_detector_when_given()
    {
        var models = new SwappableDriftModels();
        var registry = DetectorRegistry.FromRules(Rules.RuleSet.Defaults, extra: [new DriftAnomalyDetector(models)]);
        var inspection = registry.Inspect(new OutputSample { SampleId = "1", Model = "m", Route = "r", Output = "Hello there." });
        Assert.Contains(inspection.Results, r => r.Detector == DriftAnomalyDetector.DetectorName && r.Abstained);
    }

    private static DetectorResult Judge(DriftAnomalyDetector detector, OutputFeatures features)
    {
        var sample = new OutputSample { SampleId = Guid.NewGuid().ToString(), Model = "m", Route = "r", Output = "x", OccurredAt = DateTimeOffset.UnixEpoch };
        return detector.Evaluate(new DetectionContext(sample, features), new DetectorSettings(true, detector.DefaultThreshold));
    }
}
