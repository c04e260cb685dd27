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
    private readonly CalibratedDetectorSettings? _calibrated;

    /// <summary>Detectors with fixed settings and no rules/ (template tokens are the built-in list).</summary>
    public DetectorRegistry(IEnumerable<IDetector> detectors, IDetectorSettingsSource settings, IStreamBaselines? baselines = null,
        CalibratedDetectorSettings? calibrated = null)
    {
        _detectors = Validate(detectors);
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _baselines = baselines ?? LengthBaselineTable.Empty;
        _calibrated = calibrated;
    }

    /// <summary>
    /// Detectors whose settings, template tokens and regex rules come from the rules/ snapshot current at each sample,
    /// with calibrated thresholds (when given) over the rules' thresholds.
    /// </summary>
    public DetectorRegistry(IEnumerable<IDetector> detectors, IRuleSetSource rules, IStreamBaselines? baselines = null,
        CalibratedDetectorSettings? calibrated = null)
    {
        _detectors = Validate(detectors);
        _rules = rules ?? throw new ArgumentNullException(nameof(rules));
        _baselines = baselines ?? LengthBaselineTable.Empty;
        _calibrated = calibrated;
    }

    public IReadOnlyList<IDetector> Detectors => _detectors;

    /// <summary>Why a text detector abstains on a sample whose text was not captured.</summary>
    public const string NotCaptured = "The publisher did not capture the output text (outputCaptured = false): only the finish reason and token counts are judged.";

    /// <summary>The detectors that need no baseline or configuration beyond their defaults.</summary>
    public static IReadOnlyList<IDetector> Builtin() => [new Empty.EmptyOutputDetector(), new Truncation.TruncationDetector()];

    /// <summary>Every detector: empty, truncation, degeneration, length, leakage, the regex rules, reasoning, format and language.</summary>
    public static IReadOnlyList<IDetector> All() =>
    [
        new Empty.EmptyOutputDetector(), new Truncation.TruncationDetector(), new Degeneration.DegenerationDetector(),
        new LengthAnomalyDetector(), new Leakage.TemplateLeakageDetector(), new RegexRulesDetector(), new Reasoning.ReasoningBlockDetector(),
        new Format.JsonFormatDetector(), new Language.LanguageMismatchDetector(),
    ];

    /// <summary>The registry a consumer runs: all detectors, configured by <paramref name="rules"/> (a <see cref="RulesWatcher"/> or a <see cref="RuleSet"/>), length baselines from <paramref name="baselines"/>, then any <paramref name="extra"/> detectors (the drift model).</summary>
    public static DetectorRegistry FromRules(IRuleSetSource rules, IStreamBaselines? baselines = null, CalibratedDetectorSettings? calibrated = null,
        IEnumerable<IDetector>? extra = null) =>
        new(All().Concat(extra ?? []), rules, baselines, calibrated);

    /// <summary>The settings in force now for a detector on a stream (rules/ or defaults, then any calibrated threshold).</summary>
    public DetectorSettings SettingsFor(IDetector detector, string model, string route)
    {
        var index = Array.IndexOf(_detectors, detector);
        if (index < 0)
            throw new ArgumentException($"Detector '{detector.Name}' is not in this registry.", nameof(detector));
        var source = (IDetectorSettingsSource?)_rules?.Current ?? _settings!;
        return Resolve(source, _calibrated?.Overrides, model, route)[index];
    }

    public Inspection Inspect(OutputSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        // One snapshot per sample: a reload in the middle never mixes two configurations.
        var rules = _rules?.Current;
        var features = FeatureExtractor.Extract(sample, rules?.TemplateTokens ?? TemplateTokenSet.Default);
        var context = new DetectionContext(sample, features) { Baselines = _baselines, Rules = rules };
        var overrides = _calibrated?.Overrides;
        var settings = rules is null ? Resolve(_settings!, overrides, context.Model, context.Route) : ResolveCached(rules, overrides, context.Model, context.Route);
        // An array of the exact size: one allocation fewer per sample than a list.
        var enabled = 0;
        foreach (var s in settings)
            enabled += s.Enabled ? 1 : 0;
        var results = new DetectorResult[enabled];
        var next = 0;
        for (var i = 0; i < _detectors.Length; i++)
        {
            if (!settings[i].Enabled)
                continue;
            // Absent is not empty: without the text, only metadata detectors judge (the empty detector must not flag it).
            results[next++] = sample.HasOutputText || !_detectors[i].ReadsOutputText
                ? _detectors[i].Evaluate(context, settings[i])
                : DetectorResult.Abstain(_detectors[i].Name, settings[i].Threshold, NotCaptured);
        }
        return new Inspection(features, results);
    }

    // Resolved settings per stream for the current rule set and calibrated thresholds, so globs and lookups run once per
    // stream, not per sample; a new rule set or a new table of thresholds starts over.
    private readonly PerStreamCache<DetectorSettings[]> _streams = new();

    private DetectorSettings[] ResolveCached(RuleSet rules, IReadOnlyDictionary<(string, string, string), double>? overrides, string model, string route) =>
        _streams.Get(rules, overrides, model, route, (Registry: this, rules, overrides), static (s, m, r) => s.Registry.Resolve(s.rules, s.overrides, m, r));

    private DetectorSettings[] Resolve(IDetectorSettingsSource source, IReadOnlyDictionary<(string, string, string), double>? overrides, string model, string route)
    {
        var resolved = new DetectorSettings[_detectors.Length];
        for (var i = 0; i < _detectors.Length; i++)
        {
            resolved[i] = source.For(_detectors[i], model, route);
            if (overrides is { Count: > 0 } && overrides.TryGetValue((_detectors[i].Name, model, route), out var threshold))
                resolved[i] = resolved[i] with { Threshold = threshold };
        }
        return resolved;
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
