using System.Collections.Frozen;
using System.Text.RegularExpressions;
using Auditor.Detection.Features;

namespace Auditor.Detection.Rules;

/// <summary>
/// A detector's settings as written in rules/: any part may be left out to inherit. <paramref name="Signs"/> switches
/// named signs of the detector's score on or off (degeneration's); a sign not named keeps what it inherits.
/// <paramref name="Parameters"/> are the detector's named values (the language detector's <c>expect</c>, the format
/// detector's <c>schema</c>); one not named keeps what it inherits.
/// </summary>
public sealed record DetectorOverride(bool? Enabled, double? Threshold, IReadOnlyDictionary<string, bool>? Signs = null,
    IReadOnlyDictionary<string, string>? Parameters = null);

/// <summary>Review fractions of a stream: the uniform stratum and the share of flagged samples also reviewed.</summary>
public sealed record ReviewFractionSettings(double Uniform, double Flagged)
{
    public static ReviewFractionSettings Default { get; } = new(0.02, 1.0);
}

/// <summary>Overrides for the streams whose model and route match the globs (<c>*</c> and <c>?</c>, case-sensitive).</summary>
public sealed record StreamOverride(
    string ModelGlob,
    string RouteGlob,
    IReadOnlyDictionary<string, DetectorOverride> Detectors,
    double? UniformFraction,
    double? FlaggedFraction,
    string Source)
{
    private readonly Regex _model = Glob.ToRegex(ModelGlob);
    private readonly Regex _route = Glob.ToRegex(RouteGlob);

    public bool Matches(string model, string route) => _model.IsMatch(model) && _route.IsMatch(route);
}

/// <summary>A named regular expression that marks a failure of a category (refusal, stop-sequence, ...).</summary>
public sealed record RegexRule
{
    /// <summary>A rule whose prefilter is read from <paramref name="Pattern"/>.</summary>
    public RegexRule(string Name, Regex Pattern, string Category, string Source)
        : this(Name, Pattern, Category, Source, RulePrefilter.For(Pattern ?? throw new ArgumentNullException(nameof(Pattern))))
    {
    }

    /// <summary>A rule whose prefilter the loader already read from the pattern (for the warm-up), so it is not parsed twice.</summary>
    internal RegexRule(string name, Regex pattern, string category, string source, RulePrefilter? prefilter)
    {
        Name = name;
        Pattern = pattern;
        Category = category;
        Source = source;
        Prefilter = prefilter;
    }

    public string Name { get; init; }
    public Regex Pattern { get; init; }
    public string Category { get; init; }
    public string Source { get; init; }

    /// <summary>What rules the pattern out on an output without running it; null when the pattern always runs.</summary>
    public RulePrefilter? Prefilter { get; }
}

/// <summary>Where a rules source (a source implementing this) gets the rules in force now.</summary>
public interface IRuleSetSource
{
    RuleSet Current { get; }
}

/// <summary>
/// The compiled rules/ configuration: detector switches and thresholds with per-stream glob overrides (later
/// entries win), review fractions, template tokens and regex rules. Immutable: a reload builds a new one.
/// </summary>
public sealed class RuleSet : IDetectorSettingsSource, IRuleSetSource
{
    /// <summary>The time a regex rule may spend on one output: model output is hostile input.</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(50);

    public RuleSet(
        IReadOnlyDictionary<string, DetectorOverride> detectors,
        IReadOnlyList<StreamOverride> streams,
        ReviewFractionSettings review,
        TemplateTokenSet templateTokens,
        IReadOnlyList<RegexRule> regexRules,
        string fingerprint,
        IReadOnlyDictionary<string, Json.Schema.JsonSchema>? schemas = null)
    {
        Schemas = schemas ?? new Dictionary<string, Json.Schema.JsonSchema>();
        Detectors = detectors;
        Streams = streams;
        Review = review;
        TemplateTokens = templateTokens;
        RegexRules = regexRules;
        RegexScreen = new RegexRuleScreen(regexRules);
        Fingerprint = fingerprint;
    }

    /// <summary>No rules/: every detector on at its default threshold, default review fractions, default template tokens.</summary>
    public static RuleSet Defaults { get; } = new(new Dictionary<string, DetectorOverride>(), [], ReviewFractionSettings.Default, TemplateTokenSet.Default, [], "defaults");

    public IReadOnlyDictionary<string, DetectorOverride> Detectors { get; }
    public IReadOnlyList<StreamOverride> Streams { get; }
    public ReviewFractionSettings Review { get; }
    public TemplateTokenSet TemplateTokens { get; }
    public IReadOnlyList<RegexRule> RegexRules { get; }

    /// <summary>The regex rules' prefilters in one search (see <see cref="RulePrefilter"/>).</summary>
    public RegexRuleScreen RegexScreen { get; }

    /// <summary>The JSON Schema files of rules/schemas/, compiled, by their path in rules/ ("schemas/invoice.json").</summary>
    public IReadOnlyDictionary<string, Json.Schema.JsonSchema> Schemas { get; }

    /// <summary>SHA-256 of the files' names and contents: the version of the configuration.</summary>
    public string Fingerprint { get; }

    RuleSet IRuleSetSource.Current => this;

    // Streams seen so far and the overrides that match them, so globs run once per stream, not per sample.
    // Bounded: hostile input may invent streams; past the bound, matching just is not cached.
    private const int MaxCachedStreams = 10_000;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Model, string Route), StreamOverride[]> _matches = new();

    /// <summary>The stream overrides that apply to (model, route), in order.</summary>
    public IReadOnlyList<StreamOverride> MatchingStreams(string model, string route)
    {
        if (Streams.Count == 0)
            return [];
        if (_matches.TryGetValue((model, route), out var cached))
            return cached;
        var matching = Streams.Where(s => s.Matches(model, route)).ToArray();
        if (_matches.Count < MaxCachedStreams)
            _matches.TryAdd((model, route), matching);
        return matching;
    }

    public DetectorSettings For(IDetector detector, string model, string route) => For(detector, MatchingStreams(model, route));

    /// <summary>The settings of a detector given the stream overrides already matched (one lookup per sample, not per detector).</summary>
    public DetectorSettings For(IDetector detector, IReadOnlyList<StreamOverride> matchingStreams)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(matchingStreams);
        var enabled = true;
        var threshold = detector.DefaultThreshold;
        HashSet<string>? signsOff = detector.SignsOffByDefault.Count > 0 ? new HashSet<string>(detector.SignsOffByDefault, StringComparer.Ordinal) : null;
        Dictionary<string, string>? parameters = null;
        Apply(Detectors);
        foreach (var stream in matchingStreams)
            Apply(stream.Detectors);
        var settings = new DetectorSettings(enabled, threshold);
        if (signsOff is { Count: > 0 })
            settings = settings with { SignsOff = signsOff.ToFrozenSet(StringComparer.Ordinal) };
        return parameters is null ? settings : settings with { Parameters = parameters.ToFrozenDictionary(StringComparer.Ordinal) };

        void Apply(IReadOnlyDictionary<string, DetectorOverride> overrides)
        {
            if (!overrides.TryGetValue(detector.Name, out var o))
                return;
            enabled = o.Enabled ?? enabled;
            threshold = o.Threshold ?? threshold;
            foreach (var (name, value) in o.Parameters ?? new Dictionary<string, string>())
                (parameters ??= new Dictionary<string, string>(StringComparer.Ordinal))[name] = value;
            if (o.Signs is null)
                return;
            foreach (var (sign, on) in o.Signs)
            {
                if (on)
                    signsOff?.Remove(sign);
                else
                    (signsOff ??= new HashSet<string>(StringComparer.Ordinal)).Add(sign);
            }
        }
    }

    /// <summary>The review fractions of a stream: the global ones with matching stream overrides applied in order.</summary>
    public ReviewFractionSettings ReviewFor(string model, string route)
    {
        var (uniform, flagged) = (Review.Uniform, Review.Flagged);
        foreach (var stream in MatchingStreams(model, route))
        {
            uniform = stream.UniformFraction ?? uniform;
            flagged = stream.FlaggedFraction ?? flagged;
        }
        return new ReviewFractionSettings(uniform, flagged);
    }
}

internal static class Glob
{
    public static Regex ToRegex(string glob) =>
        new("^" + Regex.Escape(glob).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromMilliseconds(100));
}
