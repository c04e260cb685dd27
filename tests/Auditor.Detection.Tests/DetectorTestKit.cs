using Auditor.Contracts;
using Auditor.Detection.Features;
using Auditor.Detection.Length;
using Auditor.Detection.Rules;

namespace Auditor.Detection.Tests;

internal static class DetectorTestKit
{
    public static OutputSample Sample(string output, string model = "m", string route = "r", string? finishReason = null) =>
        new() { SampleId = Guid.NewGuid().ToString(), Model = model, Route = route, Output = output, FinishReason = finishReason };

    public static DetectorResult Run(IDetector detector, string output, IStreamBaselines? baselines = null, RuleSet? rules = null)
    {
        var sample = Sample(output);
        var context = new DetectionContext(sample, FeatureExtractor.Extract(sample)) { Baselines = baselines ?? LengthBaselineTable.Empty, Rules = rules };
        return detector.Evaluate(context, new DetectorSettings(true, detector.DefaultThreshold));
    }
}
