using System.Buffers;

namespace Auditor.Detection.Rules;

/// <summary>
/// One search for the required strings of every prefiltered rule at once (ignoring case: a superset of each rule's own
/// search). Most outputs hold none, and then no prefiltered rule needs even its own search.
/// </summary>
public sealed class RegexRuleScreen
{
    private readonly SearchValues<string>? _all;
    private readonly bool _anyIgnoreCase;

    public RegexRuleScreen(IEnumerable<RegexRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var prefilters = rules.Select(r => r.Prefilter).OfType<RulePrefilter>().ToList();
        if (prefilters.Count > 0)
            _all = SearchValues.Create(prefilters.SelectMany(p => p.Strings).Distinct(StringComparer.OrdinalIgnoreCase).ToArray(), StringComparison.OrdinalIgnoreCase);
        _anyIgnoreCase = prefilters.Any(p => p.IgnoreCase);
    }

    /// <summary>False only when no prefiltered rule's regex can match <paramref name="text"/>.</summary>
    public bool AnyMayMatch(ReadOnlySpan<char> text) =>
        _all is not null && (text.IndexOfAny(_all) >= 0 || (_anyIgnoreCase && text.IndexOfAny(RulePrefilter.CaseTraps) >= 0));
}
