using Auditor.Detection.Drift;
using Auditor.Storage.Samples;

namespace Auditor.Server.Drift;

/// <summary>
/// Feeds the drift window sketches with the samples a batch counted, after its commit. Detection has no side effects:
/// a batch retried through a database outage, or a redelivered duplicate, reaches the sketches once, as it reaches the
/// counters once. A sample joins its stream's sketch when drift.anomaly judged it (did not abstain) and the stream's
/// model is still the same shape.
/// </summary>
public sealed class DriftWindowFeed(SwappableDriftModels models, DriftWindowSketches sketches)
{
    public void Record(IReadOnlyList<AuditedSample> counted)
    {
        foreach (var audited in counted)
        {
            if (!Judged(audited))
                continue;
            var sample = audited.Sample;
            if (models.For(sample.Model!, sample.Route!) is { } model)
                sketches.Observe(model, audited.Inspection.Features, sample.OccurredAt!.Value);
        }
    }

    private static bool Judged(AuditedSample audited)
    {
        foreach (var result in audited.Inspection.Results)
        {
            if (result.Detector == DriftAnomalyDetector.DetectorName)
                return !result.Abstained;
        }
        return false;
    }
}
