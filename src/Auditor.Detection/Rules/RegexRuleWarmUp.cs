using System.Text.RegularExpressions;

namespace Auditor.Detection.Rules;

/// <summary>
/// Runs a freshly compiled rule once, at load, before it meets an output. A compiled regex compiles the code that tries
/// a match at a position on its first attempt, and that time counts against the timeout of whichever output comes
/// first: tens of milliseconds on a loaded machine, so the first outputs after a load or reload could be reported as
/// "timed out". A rule's <c>example</c> (an output it matches, checked here) runs all of that code; a rule without one is
/// run on its required strings (its <see cref="RulePrefilter"/>'s, read from the pattern once at load), each on a line of
/// its own, which reaches the match attempt of a pattern that starts with one of them or at a line start (and that needs
/// at most 1,024 more characters).
/// </summary>
internal static class RegexRuleWarmUp
{
    public enum Outcome
    {
        Warmed,
        ExampleNotMatched,
        ExampleTimedOut,
    }

    private const int WarmUpPadding = 1024;

    /// <param name="regex">The compiled rule.</param>
    /// <param name="example">The rule's example, or null.</param>
    /// <param name="prefilter">The rule's prefilter (<see cref="RulePrefilter.For"/>), null when its required strings are not known.</param>
    public static Outcome Run(Regex regex, string? example, RulePrefilter? prefilter)
    {
        ArgumentNullException.ThrowIfNull(regex);
        if (example is not null)
        {
            // The first try may time out while the matcher is being compiled; the second one judges.
            return (Attempt(regex, example) ?? Attempt(regex, example)) switch
            {
                true => Outcome.Warmed,
                false => Outcome.ExampleNotMatched,
                null => Outcome.ExampleTimedOut,
            };
        }
        // The padding after them: the engine makes no attempt where fewer characters are left than a match needs.
        var required = prefilter?.Strings ?? [];
        var text = "\n" + string.Join("\n", required) + new string('\n', WarmUpPadding);
        _ = Attempt(regex, text) ?? Attempt(regex, text);
        return Outcome.Warmed;
    }

    // Whether the rule matches; null when it timed out.
    private static bool? Attempt(Regex regex, string text)
    {
        try
        {
            return regex.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
    }
}
