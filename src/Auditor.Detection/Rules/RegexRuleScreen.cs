using System.Buffers;

namespace Auditor.Detection.Rules;

/// <summary>
/// One search for the required strings of every prefiltered rule at once: those of the case-sensitive rules in one
/// ordinal search, those of the rules that may ignore case in one case-insensitive search (one search for all, ignoring
/// case, would stop at every "user" for a rule that needs "User"). Most outputs hold none, and then no prefiltered rule
/// needs even its own search.
/// </summary>
public sealed class RegexRuleScreen
{
    private readonly SearchValues<string>? _ordinal;
    private readonly SearchValues<string>? _ignoreCase;

    public RegexRuleScreen(IEnumerable<RegexRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var prefilters = rules.Select(r => r.Prefilter).OfType<RulePrefilter>().ToList();
        _ordinal = Create(prefilters.Where(p => !p.IgnoreCase), StringComparison.Ordinal);
        _ignoreCase = Create(prefilters.Where(p => p.IgnoreCase), StringComparison.OrdinalIgnoreCase);
    }

    private static SearchValues<string>? Create(IEnumerable<RulePrefilter> prefilters, StringComparison comparison)
    {
        var strings = prefilters.SelectMany(p => p.Strings).Distinct(StringComparer.Ordinal).ToArray();
        return strings.Length == 0 ? null : SearchValues.Create(strings, comparison);
    }

    /// <summary>False only when no prefiltered rule's regex can match <paramref name="text"/>.</summary>
    public bool AnyMayMatch(ReadOnlySpan<char> text) =>
        (_ordinal is not null && RulePrefilter.Holds(text, _ordinal, ignoreCase: false))
        || (_ignoreCase is not null && RulePrefilter.Holds(text, _ignoreCase, ignoreCase: true));
}
