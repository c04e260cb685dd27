using Auditor.Contracts;
using Auditor.Detection.Features;
using Auditor.Detection.Length;
using Auditor.Detection.Rules;

namespace Auditor.Detection;

/// <summary>The outcome of running every enabled detector on one sample.</summary>
public sealed record Inspection(OutputFeatures Features, IReadOnlyList<DetectorResult> Results)
{
    /// <summary>True when any detector that judged the sample flagged it.</summary>
    public bool Flagged => Results.Any(r => r.Flagged);
}

/// <summary>The set of detectors a consumer runs, in a fixed order. Features are extracted once per sample.</summary>
public sealed class DetectorRegistry
{
    private readonly IDetector[] _detectors;
    private readonly IDetectorSettingsSource? _settings;
    private readonly IRuleSetSource? _rules;
    private readonly IStreamBaselines _baselines;

    /// <summary>Detectors with fixed settings and no rules/ (template tokens are the built-in list).</summary>
    public DetectorRegistry(IEnumerable<IDetector> detectors, IDetectorSettingsSource settings, IStreamBaselines? baselines = null)
    {
        _detectors = Validate(detectors);
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _baselines = baselines ?? LengthBaselineTable.Empty;
    }

    /// <summary>Detectors whose settings, template tokens and regex rules come from the rules/ snapshot current at each sample.</summary>
    public DetectorRegistry(IEnumerable<IDetector> detectors, IRuleSetSource rules, IStreamBaselines? baselines = null)
    {
        _detectors = Validate(detectors);
        _rules = rules ?? throw new ArgumentNullException(nameof(rules));
        _baselines = baselines ?? LengthBaselineTable.Empty;
    }

    public IReadOnlyList<IDetector> Detectors => _detectors;

    /// <summary>The detectors that need no baseline or configuration beyond their defaults.</summary>
    public static IReadOnlyList<IDetector> Builtin() => [new Empty.EmptyOutputDetector(), new Truncation.TruncationDetector()];

    /// <summary>Every detector: empty, truncation, degeneration, length, leakage and the regex rules.</summary>
    public static IReadOnlyList<IDetector> All() =>
    [
        new Empty.EmptyOutputDetector(), new Truncation.TruncationDetector(), new Degeneration.DegenerationDetector(),
        new LengthAnomalyDetector(), new Leakage.TemplateLeakageDetector(), new RegexRulesDetector(),
    ];

    /// <summary>The registry a consumer runs: all detectors, configured by <paramref name="rules"/> (a <see cref="RulesWatcher"/> or a <see cref="RuleSet"/>), length baselines from <paramref name="baselines"/>.</summary>
    public static DetectorRegistry FromRules(IRuleSetSource rules, IStreamBaselines? baselines = null) => new(All(), rules, baselines);

    public Inspection Inspect(OutputSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        // One snapshot per sample: a reload in the middle never mixes two configurations.
        var rules = _rules?.Current;
        var settings = (IDetectorSettingsSource?)rules ?? _settings!;
        var features = FeatureExtractor.Extract(sample, rules?.TemplateTokens ?? TemplateTokenSet.Default);
        var context = new DetectionContext(sample, features) { Baselines = _baselines, Rules = rules };
        var results = new List<DetectorResult>(_detectors.Length);
        var streams = rules?.MatchingStreams(context.Model, context.Route);
        foreach (var detector in _detectors)
        {
            var s = streams is null ? settings.For(detector, context.Model, context.Route) : rules!.For(detector, streams);
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
