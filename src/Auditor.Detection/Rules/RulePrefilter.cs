using System.Buffers;
using System.Text.RegularExpressions;

namespace Auditor.Detection.Rules;

/// <summary>
/// Rules out a regex rule on an output without running the regex: the output holds none of the strings the pattern
/// cannot match without (<see cref="RequiredLiterals"/>). A vectorised multi-string search is far cheaper than a regex
/// call on outputs that do not match, which is almost all of them; where the output holds one, the regex decides as
/// before (same match, same timeout), so a rule's results are the same with or without its prefilter. A pattern whose
/// required strings are not known for certain has no prefilter and always runs.
/// </summary>
public sealed class RulePrefilter
{
    private readonly SearchValues<string> _strings;

    private RulePrefilter(IReadOnlyList<string> strings, bool ignoreCase)
    {
        Strings = strings;
        IgnoreCase = ignoreCase;
        _strings = SearchValues.Create(strings.ToArray(), ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
        if (ignoreCase)
            _ = CaseTraps; // asked of the engine at load (tens of milliseconds once), not on the first output
    }

    /// <summary>Every match of the rule contains one of these.</summary>
    public IReadOnlyList<string> Strings { get; }

    /// <summary>Whether they are searched ignoring case (the pattern may ignore case somewhere).</summary>
    public bool IgnoreCase { get; }

    /// <summary>The prefilter of a compiled pattern, or null when its required strings are not known for certain.</summary>
    public static RulePrefilter? For(Regex pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return RequiredLiterals.Of(pattern.ToString(), pattern.Options) is { } required ? new RulePrefilter(required.Strings, required.IgnoreCase) : null;
    }

    /// <summary>False only when the rule's regex cannot match <paramref name="text"/>.</summary>
    public bool MayMatch(ReadOnlySpan<char> text) => Holds(text, _strings, IgnoreCase);

    /// <summary>
    /// Whether <paramref name="text"/> holds one of <paramref name="strings"/> (a search ignoring ASCII case when
    /// <paramref name="ignoreCase"/>, and then also any of the engine's <see cref="CaseTraps"/>): the one test of the
    /// prefilter, for one rule here and for all rules at once in <see cref="RegexRuleScreen"/>. Every trap is non-ASCII,
    /// so an ASCII text (checked first: a plain vectorised test, cheaper than a search for the traps) holds none.
    /// </summary>
    internal static bool Holds(ReadOnlySpan<char> text, SearchValues<string> strings, bool ignoreCase) =>
        text.IndexOfAny(strings) >= 0 || (ignoreCase && !System.Text.Ascii.IsValid(text) && text.IndexOfAny(CaseTraps) >= 0);

    /// <summary>
    /// The non-ASCII characters the regex engine takes for an ASCII character when it ignores case (the Kelvin sign K
    /// for k on .NET 10), which an ordinal case-insensitive search does not: an output holding one runs the rule. Asked
    /// of the engine itself once, so a runtime with other case tables stays sound.
    /// </summary>
    internal static SearchValues<char> CaseTraps => s_caseTraps.Value;

    private static readonly Lazy<SearchValues<char>> s_caseTraps = new(() =>
    {
        var ascii = new Regex(@"[\x00-\x7F]", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        var traps = new List<char>();
        Span<char> one = stackalloc char[1];
        for (var c = 128; c <= char.MaxValue; c++)
        {
            one[0] = (char)c;
            if (ascii.IsMatch(one))
                traps.Add((char)c);
        }
        return SearchValues.Create(traps.ToArray());
    });
}
