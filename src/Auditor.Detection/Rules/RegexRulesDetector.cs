using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Auditor.Detection.Rules;

/// <summary>
/// Runs the named regex rules of rules/ on the output. Score: the number of matched rules whose category is a failure
/// (threshold 1). Rules of a counted category (<see cref="RefusalCategory"/>: refusals and AI disclaimers) are matched,
/// shown as evidence and counted by eval, but add nothing to the score unless the stream switches the category on in
/// rules/ (<c>rules: { signs: { refusal: on } }</c>): a refusal or a disclaimer inside a complete answer is a behaviour
/// worth counting, not a silent failure. The one detector that reads the text itself, because its patterns are
/// configuration; each pattern runs with <see cref="RuleSet.RegexTimeout"/>, and a timeout is reported, not thrown.
/// A rule whose required strings are absent from the output is not run (<see cref="RulePrefilter"/>): it could not match.
/// </summary>
public sealed class RegexRulesDetector : IDetector
{
    /// <summary>The category of refusals and disclaimers: counted and shown, a failure only where a stream says so.</summary>
    public const string RefusalCategory = "refusal";

    /// <summary>The signs rules/ may switch per stream: the counted categories.</summary>
    public static IReadOnlyList<string> SignNames { get; } = [RefusalCategory];

    private static readonly FrozenSet<string> CountedByDefault = FrozenSet.ToFrozenSet([RefusalCategory], StringComparer.Ordinal);

    /// <summary>How the note of a counted (not flagged) match ends: "rule NAME (CATEGORY, counted, not a failure)".</summary>
    public const string CountedNoteSuffix = ", counted, not a failure)";

    public string Name => "rules";

    public double DefaultThreshold => 1;

    public IReadOnlySet<string> SignsOffByDefault => CountedByDefault;

    /// <summary>The category named in an evidence note this detector wrote ("rule NAME (CATEGORY...)").</summary>
    public static string CategoryOf(string note)
    {
        ArgumentNullException.ThrowIfNull(note);
        var open = note.IndexOf('(', StringComparison.Ordinal);
        if (open < 0)
            return "";
        var end = note.IndexOfAny([',', ')'], open + 1);
        return end < 0 ? note[(open + 1)..] : note[(open + 1)..end];
    }

    // The explanation of almost every output, formatted once per rule count rather than once per output.
    private static readonly string?[] s_noneMatched = new string?[64];

    private static string NoneMatched(int count) =>
        count < s_noneMatched.Length
            ? s_noneMatched[count] ??= $"None of the {count} regex rules matched."
            : $"None of the {count} regex rules matched.";

    private readonly RepeatedResult _noRules = new("rules"), _noneMatched = new("rules");

    public DetectorResult Evaluate(DetectionContext context, DetectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        if (context.Rules is not { RegexRules.Count: > 0 } ruleSet)
            return _noRules.Get(settings.Threshold, false, "No regex rules are configured.");

        var output = context.Sample.Output ?? "";
        // Most outputs hold none of the strings any prefiltered rule requires: one search settles them all.
        var rules = ruleSet.RegexRules;
        var screened = !ruleSet.RegexScreen.AnyMayMatch(output);
        List<EvidenceSpan>? evidence = null;
        List<string>? matched = null, counted = null, timedOut = null;
        // By index: a foreach over the interface allocated an enumerator per output.
        for (var r = 0; r < rules.Count; r++)
        {
            var rule = rules[r];
            if (rule.Prefilter is { } prefilter && (screened || !prefilter.MayMatch(output)))
                continue;
            try
            {
                var m = rule.Pattern.Match(output);
                if (!m.Success)
                    continue;
                // A category a stream has not switched on is counted: shown, but not a failure.
                if (settings.SignsOff.Contains(rule.Category))
                {
                    (evidence ??= []).Add(new EvidenceSpan(m.Index, m.Length, $"rule {rule.Name} ({rule.Category}{CountedNoteSuffix}"));
                    (counted ??= []).Add($"{rule.Name} ({rule.Category})");
                }
                else
                {
                    (evidence ??= []).Add(new EvidenceSpan(m.Index, m.Length, $"rule {rule.Name} ({rule.Category})"));
                    (matched ??= []).Add($"{rule.Name} ({rule.Category})");
                }
            }
            catch (RegexMatchTimeoutException)
            {
                (timedOut ??= []).Add(rule.Name);
            }
        }

        if (evidence is null && timedOut is null)
            return _noneMatched.Get(settings.Threshold, 0 >= settings.Threshold, NoneMatched(rules.Count));
        var score = matched?.Count ?? 0;
        var explanation = matched is null
            ? counted is null ? NoneMatched(rules.Count) : "No failure rule matched."
            : $"Matched rule{(matched.Count > 1 ? "s" : "")} {string.Join(", ", matched)}.";
        if (counted is not null)
            explanation += $" Counted, not a failure on this stream: {string.Join(", ", counted)}.";
        if (timedOut is not null)
            explanation += $" Rule{(timedOut.Count > 1 ? "s" : "")} {string.Join(", ", timedOut)} timed out on this output and did not judge it.";
        return new DetectorResult(Name, score, settings.Threshold, score >= settings.Threshold, evidence ?? [], explanation);
    }
}
