using Auditor.Contracts;
using Auditor.Detection.Features;

namespace Auditor.Detection;

/// <summary>The outcome of running every enabled detector on one sample.</summary>
public sealed record Inspection(OutputFeatures Features, IReadOnlyList<DetectorResult> Results)
{
    /// <summary>True when any detector that judged the sample flagged it.</summary>
    public bool Flagged => Results.Any(r => r.Flagged);
}

/// <summary>The set of detectors a consumer runs, in a fixed order. Features are extracted once per sample.</summary>
public sealed class DetectorRegistry(IEnumerable<IDetector> detectors, IDetectorSettingsSource settings)
{
    private readonly IDetector[] _detectors = Validate(detectors);

    public IReadOnlyList<IDetector> Detectors => _detectors;

    /// <summary>The detectors that need no baseline or configuration beyond their defaults.</summary>
    public static IReadOnlyList<IDetector> Builtin() => [new Empty.EmptyOutputDetector(), new Truncation.TruncationDetector()];

    public Inspection Inspect(OutputSample sample)
    {
        var features = FeatureExtractor.Extract(sample);
        var context = new DetectionContext(sample, features);
        var results = new List<DetectorResult>(_detectors.Length);
        foreach (var detector in _detectors)
        {
            var s = settings.For(detector, context.Model, context.Route);
            if (s.Enabled)
                results.Add(detector.Evaluate(context, s));
        }
        return new Inspection(features, results);
    }

    private static IDetector[] Validate(IEnumerable<IDetector> detectors)
    {
        var all = detectors.ToArray();
        var duplicate = all.GroupBy(d => d.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"Two detectors are named '{duplicate.Key}'; detector names must be unique.", nameof(detectors));
        return all;
    }
}
