using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Auditor.Detection.Degeneration;
using Auditor.Detection.Features;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Auditor.Detection.Rules;

/// <summary>A problem in a rules file, with where it is.</summary>
public sealed record RuleError(string File, int Line, string Problem)
{
    public override string ToString() => $"{File}:{Line}: {Problem}";
}

/// <summary>The outcome of loading rules/: the compiled rule set when every file is valid, otherwise every error found.</summary>
public sealed record RulesLoadResult(RuleSet? RuleSet, IReadOnlyList<RuleError> Errors)
{
    public bool Succeeded => RuleSet is not null;
}

/// <summary>
/// Loads and validates a directory of rules/*.yaml (and *.yml) files, in ordinal file-name order. Everything is
/// checked (keys, types, ranges, detector names, globs, regexes) and every error names its file and line;
/// a configuration with any error is rejected as a whole.
/// </summary>
public static class RulesLoader
{
    /// <summary>The detector names rules/ may configure, unless the caller passes its own list.</summary>
    public static IReadOnlyCollection<string> BuiltinDetectorNames { get; } = ["empty", "truncation", "degeneration", "length", "leakage", "rules", "reasoning", "format", "language"];

    /// <summary>The detectors that take named values in rules/, with those names.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> ParametersByDetector { get; } =
        new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal) {
            ["language"] = [Language.LanguageMismatchDetector.ExpectParameter],
            ["format"] = [Format.JsonFormatDetector.SchemaParameter],
        };

    /// <summary>JSON Schema files live here, under the rules directory: rules/schemas/*.json.</summary>
    public const string SchemaFolder = "schemas";

    /// <summary>The detectors whose score is made of named signs that rules/ may switch per stream, with those names.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> SignsByDetector { get; } =
        new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal) {
            ["degeneration"] = DegenerationDetector.SignNames,
            ["length"] = Length.LengthAnomalyDetector.SignNames,
            ["rules"] = RegexRulesDetector.SignNames,
            ["format"] = Format.JsonFormatDetector.SignNames,
            ["language"] = Language.LanguageMismatchDetector.SignNames,
        };

    public static RulesLoadResult LoadDirectory(string directory, IReadOnlyCollection<string>? detectorNames = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
            return new RulesLoadResult(null, [new RuleError(directory, 0, "rules directory does not exist")]);
        var files = Directory.EnumerateFiles(directory)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .Select(f => (Path.GetFileName(f), ReadAllTextShared(f)))
            .ToList();
        var schemaDirectory = Path.Combine(directory, SchemaFolder);
        var schemas = Directory.Exists(schemaDirectory)
            ? Directory.EnumerateFiles(schemaDirectory, "*.json").Order(StringComparer.Ordinal)
                .Select(f => (SchemaFolder + "/" + Path.GetFileName(f), ReadAllTextShared(f))).ToList()
            : [];
        return Load(files, detectorNames, schemas);
    }

    /// <summary>
    /// Loads (file name, YAML text) pairs as if they were the files of one rules directory, with the JSON Schema files
    /// of its schemas/ folder as (path in rules/, JSON text) pairs.
    /// </summary>
    public static RulesLoadResult Load(IEnumerable<(string File, string Yaml)> files, IReadOnlyCollection<string>? detectorNames = null,
        IEnumerable<(string Path, string Json)>? schemas = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        var builder = new Builder(detectorNames ?? BuiltinDetectorNames);
        var list = files.ToList();
        var schemaList = schemas?.ToList() ?? [];
        foreach (var (path, json) in schemaList)
            builder.AddSchema(path, json);
        foreach (var (file, yaml) in list)
            builder.AddFile(file, yaml);
        return builder.Build(Fingerprint(list.Concat(schemaList)));
    }

    private static string ReadAllTextShared(string path)
    {
        // Editors replace files while we read; share everything so a save never makes the load fail outright.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static string Fingerprint(IEnumerable<(string File, string Yaml)> files)
    {
        var sb = new StringBuilder();
        foreach (var (file, yaml) in files)
            sb.Append(file).Append('\0').Append(yaml).Append('\0');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    private sealed class Builder(IReadOnlyCollection<string> detectorNames)
    {
        private static readonly string[] TopLevelKeys = ["detectors", "review", "streams", "templateTokens", "rules"];
        private readonly List<RuleError> _errors = [];
        private readonly Dictionary<string, DetectorOverride> _detectors = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _detectorSource = new(StringComparer.Ordinal);
        private readonly List<StreamOverride> _streams = [];
        private readonly List<string> _templateTokens = [];
        private readonly List<RegexRule> _rules = [];
        private readonly Dictionary<string, string> _ruleSource = new(StringComparer.Ordinal);
        private ReviewFractionSettings? _review;
        private string? _reviewSource;
        private bool _anyTemplateTokens;
        private string _file = "";
        private readonly Dictionary<string, Json.Schema.JsonSchema> _schemas = new(StringComparer.Ordinal);
        private readonly List<(string File, int Line, string Schema)> _schemaUses = [];

        // A schema file is compiled once per load, in a registry of its own (the library's global registry would keep
        // every version of a reloaded file and refuse a second schema with the same $id).
        public void AddSchema(string path, string json)
        {
            try
            {
                _schemas[path] = Json.Schema.JsonSchema.FromText(json, new Json.Schema.BuildOptions { SchemaRegistry = new Json.Schema.SchemaRegistry() });
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentException or InvalidOperationException or NotSupportedException or Json.Schema.JsonSchemaException)
            {
                _errors.Add(new RuleError(path, 0, $"not a valid JSON Schema: {e.Message}"));
            }
        }

        public void AddFile(string file, string yaml)
        {
            _file = file;
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(yaml));
            }
            catch (YamlException e)
            {
                Error(e.Start.Line, $"not valid YAML: {e.InnerException?.Message ?? e.Message}");
                return;
            }
            if (stream.Documents.Count == 0)
                return;
            if (stream.Documents.Count > 1)
                Error(stream.Documents[1].RootNode.Start.Line, "one YAML document per file");
            if (stream.Documents[0].RootNode is not YamlMappingNode root)
            {
                Error(stream.Documents[0].RootNode.Start.Line, "the file must be a mapping with keys " + string.Join(", ", TopLevelKeys));
                return;
            }
            foreach (var (keyNode, value) in root.Children)
            {
                var key = Key(keyNode);
                switch (key)
                {
                    case "detectors":
                        foreach (var (name, o) in DetectorMap(value))
                        {
                            if (_detectorSource.TryGetValue(name, out var other))
                                Error(value.Start.Line, $"detector '{name}' is already configured in {other}");
                            else
                                (_detectors[name], _detectorSource[name]) = (o, At(value));
                        }
                        break;
                    case "review":
                        var (uniform, flagged) = Review(value);
                        if (_reviewSource is not null)
                            Error(value.Start.Line, $"review fractions are already set in {_reviewSource}");
                        else
                            (_review, _reviewSource) = (new ReviewFractionSettings(uniform ?? ReviewFractionSettings.Default.Uniform, flagged ?? ReviewFractionSettings.Default.Flagged), At(value));
                        break;
                    case "streams":
                        foreach (var item in Sequence(value, "streams"))
                            Stream(item);
                        break;
                    case "templateTokens":
                        _anyTemplateTokens = true;
                        foreach (var item in Sequence(value, "templateTokens"))
                        {
                            if (Scalar(item, "a template token") is { } token)
                            {
                                if (token.Length == 0)
                                    Error(item.Start.Line, "a template token may not be empty");
                                else
                                    _templateTokens.Add(token);
                            }
                        }
                        break;
                    case "rules":
                        foreach (var item in Sequence(value, "rules"))
                            Rule(item);
                        break;
                    default:
                        Error(keyNode.Start.Line, $"unknown key '{key}' (expected {string.Join(", ", TopLevelKeys)})");
                        break;
                }
            }
        }

        public RulesLoadResult Build(string fingerprint)
        {
            foreach (var (file, line, schema) in _schemaUses)
            {
                if (!_schemas.ContainsKey(schema))
                    _errors.Add(new RuleError(file, line, $"schema '{schema}' is not a file in rules/{SchemaFolder}/ (loaded: {(_schemas.Count == 0 ? "none" : string.Join(", ", _schemas.Keys))})"));
            }
            if (_errors.Count > 0)
                return new RulesLoadResult(null, _errors);
            var tokens = _anyTemplateTokens ? new TemplateTokenSet(_templateTokens) : TemplateTokenSet.Default;
            var set = new RuleSet(_detectors, _streams, _review ?? ReviewFractionSettings.Default, tokens, _rules, fingerprint, _schemas);
            return new RulesLoadResult(set, []);
        }

        private void Stream(YamlNode node)
        {
            if (node is not YamlMappingNode map)
            {
                Error(node.Start.Line, "a stream override is a mapping with model, route, detectors, review");
                return;
            }
            string model = "*", route = "*";
            IReadOnlyDictionary<string, DetectorOverride> detectors = new Dictionary<string, DetectorOverride>();
            double? uniform = null, flagged = null;
            foreach (var (keyNode, value) in map.Children)
            {
                switch (Key(keyNode))
                {
                    case "model": model = Scalar(value, "a model glob") ?? model; break;
                    case "route": route = Scalar(value, "a route glob") ?? route; break;
                    case "detectors": detectors = DetectorMap(value); break;
                    case "review": (uniform, flagged) = Review(value); break;
                    default: Error(keyNode.Start.Line, $"unknown key '{Key(keyNode)}' in a stream override (expected model, route, detectors, review)"); break;
                }
            }
            if (!map.Children.Keys.Any(k => Key(k) is "model" or "route"))
                Error(node.Start.Line, "a stream override needs a model or a route glob");
            _streams.Add(new StreamOverride(model, route, detectors, uniform, flagged, At(node)));
        }

        private void Rule(YamlNode node)
        {
            if (node is not YamlMappingNode map)
            {
                Error(node.Start.Line, "a rule is a mapping with name, pattern, category");
                return;
            }
            string? name = null, pattern = null, category = null, example = null;
            var patternLine = node.Start.Line;
            var exampleLine = node.Start.Line;
            var ignoreCase = false;
            foreach (var (keyNode, value) in map.Children)
            {
                switch (Key(keyNode))
                {
                    case "name": name = Scalar(value, "a rule name"); break;
                    case "pattern": pattern = Scalar(value, "a regular expression"); patternLine = value.Start.Line; break;
                    case "category": category = Scalar(value, "a failure category"); break;
                    case "ignoreCase": ignoreCase = Bool(value) ?? false; break;
                    case "example": example = Scalar(value, "an output the rule matches"); exampleLine = value.Start.Line; break;
                    default: Error(keyNode.Start.Line, $"unknown key '{Key(keyNode)}' in a rule (expected name, pattern, category, ignoreCase, example)"); break;
                }
            }
            if (string.IsNullOrWhiteSpace(name))
                Error(node.Start.Line, "a rule needs a name");
            if (string.IsNullOrWhiteSpace(category))
                Error(node.Start.Line, $"rule '{name}' needs a failure category");
            if (string.IsNullOrEmpty(pattern))
            {
                Error(node.Start.Line, $"rule '{name}' needs a pattern");
                return;
            }
            if (name is not null && _ruleSource.TryGetValue(name, out var other))
            {
                Error(node.Start.Line, $"a rule named '{name}' is already defined in {other}");
                return;
            }
            Regex regex;
            try
            {
                var options = RegexOptions.CultureInvariant | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None);
                regex = new Regex(pattern, options | RegexOptions.Compiled, RuleSet.RegexTimeout);
            }
            catch (ArgumentException e)
            {
                Error(patternLine, $"rule '{name}' has an invalid regular expression: {e.Message}");
                return;
            }
            if (regex.IsMatch(""))
            {
                Error(patternLine, $"rule '{name}' matches the empty string, so it would flag every output");
                return;
            }
            // The first match attempt compiles the rule's matcher, inside the timeout of whatever output comes first (tens of
            // milliseconds on a loaded machine: the first outputs after a load or reload would time out). It is made here.
            // The required strings are read from the pattern once, for the warm-up and the rule's prefilter alike.
            var prefilter = RulePrefilter.For(regex);
            switch (RegexRuleWarmUp.Run(regex, example, prefilter))
            {
                case RegexRuleWarmUp.Outcome.ExampleNotMatched:
                    Error(exampleLine, $"rule '{name}' does not match its own example");
                    return;
                case RegexRuleWarmUp.Outcome.ExampleTimedOut:
                    Error(exampleLine, $"rule '{name}' takes longer than {RuleSet.RegexTimeout.TotalMilliseconds:0} ms on its own example");
                    return;
            }
            if (name is null || category is null)
                return;
            _ruleSource[name] = At(node);
            _rules.Add(new RegexRule(name, regex, category, At(node), prefilter));
        }

        private Dictionary<string, DetectorOverride> DetectorMap(YamlNode node)
        {
            var result = new Dictionary<string, DetectorOverride>(StringComparer.Ordinal);
            if (node is not YamlMappingNode map)
            {
                Error(node.Start.Line, "detectors is a mapping of detector name to {enabled, threshold, signs}");
                return result;
            }
            foreach (var (keyNode, value) in map.Children)
            {
                var name = Key(keyNode);
                if (!detectorNames.Contains(name))
                {
                    Error(keyNode.Start.Line, $"unknown detector '{name}' (known: {string.Join(", ", detectorNames)})");
                    continue;
                }
                bool? enabled = null;
                double? threshold = null;
                Dictionary<string, bool>? signs = null;
                Dictionary<string, string>? parameters = null;
                if (value is YamlScalarNode)
                {
                    // Shorthand: "degeneration: off".
                    enabled = Bool(value);
                }
                else if (value is YamlMappingNode settings)
                {
                    foreach (var (k, v) in settings.Children)
                    {
                        switch (Key(k))
                        {
                            case "enabled": enabled = Bool(v); break;
                            case "threshold":
                                threshold = Number(v);
                                if (threshold is { } t && (double.IsNaN(t) || double.IsInfinity(t)))
                                    Error(v.Start.Line, "threshold must be a finite number");
                                break;
                            case "signs": signs = Signs(name, v); break;
                            default:
                                if (ParametersByDetector.TryGetValue(name, out var known) && known.Contains(Key(k)))
                                {
                                    if (Parameter(name, Key(k), v) is { } parameterValue)
                                        (parameters ??= new Dictionary<string, string>(StringComparer.Ordinal))[Key(k)] = parameterValue;
                                }
                                else
                                {
                                    Error(k.Start.Line, $"unknown key '{Key(k)}' for detector '{name}' (expected enabled, threshold, signs{(ParametersByDetector.TryGetValue(name, out var p) ? ", " + string.Join(", ", p) : "")})");
                                }
                                break;
                        }
                    }
                }
                else
                {
                    Error(value.Start.Line, $"detector '{name}' takes {{enabled, threshold, signs}} or on/off");
                }
                result[name] = new DetectorOverride(enabled, threshold, signs, parameters);
            }
            return result;
        }

        // "expect: fr" (an ISO 639-1 code the language detector knows), "schema: schemas/invoice.json" (a file of rules/schemas/).
        private string? Parameter(string detector, string key, YamlNode node)
        {
            var value = Scalar(node, $"the {detector} detector's {key}");
            if (value is null)
                return null;
            if (key == Language.LanguageMismatchDetector.ExpectParameter)
            {
                if (!Language.LanguageMismatchDetector.TryParseLanguage(value, out _))
                {
                    Error(node.Start.Line, $"expect '{value}' is not an ISO 639-1 language code the language detector knows (such as en, fr, de, zh)");
                    return null;
                }
                return value.ToLowerInvariant();
            }
            // A schema path is relative to the rules directory; "rules/schemas/x.json" is read as "schemas/x.json".
            var path = value.Replace('\\', '/');
            if (path.StartsWith("rules/", StringComparison.Ordinal))
                path = path["rules/".Length..];
            _schemaUses.Add((_file, (int)node.Start.Line, path));
            return path;
        }

        // "signs: { noWords: off }": a detector's named signs switched on or off.
        private Dictionary<string, bool>? Signs(string detector, YamlNode node)
        {
            if (!SignsByDetector.TryGetValue(detector, out var known))
            {
                Error(node.Start.Line, $"detector '{detector}' has no signs to switch (only {string.Join(", ", SignsByDetector.Keys)} has)");
                return null;
            }
            if (node is not YamlMappingNode map)
            {
                Error(node.Start.Line, $"signs is a mapping of sign name to on/off (signs of {detector}: {string.Join(", ", known)})");
                return null;
            }
            var signs = new Dictionary<string, bool>(StringComparer.Ordinal);
            foreach (var (k, v) in map.Children)
            {
                if (!known.Contains(Key(k)))
                    Error(k.Start.Line, $"unknown sign '{Key(k)}' for detector '{detector}' (known: {string.Join(", ", known)})");
                else if (Bool(v) is { } on)
                    signs[Key(k)] = on;
            }
            return signs;
        }

        private (double? Uniform, double? Flagged) Review(YamlNode node)
        {
            if (node is not YamlMappingNode map)
            {
                Error(node.Start.Line, "review is a mapping with uniform and flagged fractions");
                return (null, null);
            }
            double? uniform = null, flagged = null;
            foreach (var (k, v) in map.Children)
            {
                switch (Key(k))
                {
                    case "uniform": uniform = Fraction(v); break;
                    case "flagged": flagged = Fraction(v); break;
                    default: Error(k.Start.Line, $"unknown key '{Key(k)}' in review (expected uniform, flagged)"); break;
                }
            }
            return (uniform, flagged);
        }

        private double? Fraction(YamlNode node)
        {
            var value = Number(node);
            if (value is < 0 or > 1 || value is { } v && double.IsNaN(v))
            {
                Error(node.Start.Line, $"a review fraction must be between 0 and 1, not {value}");
                return null;
            }
            return value;
        }

        private IEnumerable<YamlNode> Sequence(YamlNode node, string what)
        {
            if (node is YamlSequenceNode seq)
                return seq.Children;
            Error(node.Start.Line, $"{what} must be a list");
            return [];
        }

        private string? Scalar(YamlNode node, string what)
        {
            if (node is YamlScalarNode { Value: { } v })
                return v;
            Error(node.Start.Line, $"expected {what} (a single value)");
            return null;
        }

        private double? Number(YamlNode node)
        {
            if (node is YamlScalarNode { Value: { } v } && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                return d;
            Error(node.Start.Line, $"expected a number, found '{(node as YamlScalarNode)?.Value ?? node.NodeType.ToString()}'");
            return null;
        }

        private bool? Bool(YamlNode node)
        {
            switch ((node as YamlScalarNode)?.Value?.ToLowerInvariant())
            {
                case "true" or "on" or "yes": return true;
                case "false" or "off" or "no": return false;
                default:
                    Error(node.Start.Line, $"expected true/false (or on/off), found '{(node as YamlScalarNode)?.Value}'");
                    return null;
            }
        }

        private static string Key(YamlNode node) => (node as YamlScalarNode)?.Value ?? "";

        private string At(YamlNode node) => $"{_file}:{node.Start.Line}";

        private void Error(long line, string problem) => _errors.Add(new RuleError(_file, (int)line, problem));
    }
}
