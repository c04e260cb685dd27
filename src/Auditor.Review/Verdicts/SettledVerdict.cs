using Auditor.Review.Estimation;

namespace Auditor.Review.Verdicts;

/// <summary>One reviewer's standing verdict on an item, as stored ("ok", "failure" or "unsure"; undone verdicts are not cast).</summary>
public sealed record CastVerdict(string Reviewer, string Verdict, string? Category);

/// <summary>
/// The verdict an item counts with, everywhere: the weekly report's rates, calibration labels, incident clusters of
/// confirmed failures, and what drift baselines leave out. One rule, so an item never counts as a failure in one place
/// and as unsure in another:
/// <list type="bullet">
/// <item>an item counts only once it is done (every review it required is in); before that it has no settled verdict;</item>
/// <item>the settled verdict is the one a strict majority of its standing verdicts gave, unsure included as a vote;</item>
/// <item>anything else (ok against failure, failure against unsure, three different answers) is unsure.</item>
/// </list>
/// So [failure, unsure] is unsure: one reviewer was sure, the other could not tell, and nobody settled it. The category
/// of a failure is the most common among the failure verdicts (ordinal order breaks a tie), "other" when none was given.
/// </summary>
public sealed record SettledVerdict(ReviewVerdict Verdict, string? Category, int Votes)
{
    public const string DefaultCategory = "other";

    public bool IsFailure => Verdict == ReviewVerdict.Failure;

    /// <summary>Whether the verdict is decisive (ok or failure): only decisive verdicts enter a rate.</summary>
    public bool IsDecisive => Verdict != ReviewVerdict.Unsure;

    /// <summary>The settled verdict of an item, or null while it is not done or has no standing verdict.</summary>
    public static SettledVerdict? Settle(IReadOnlyCollection<CastVerdict> verdicts, bool done)
    {
        if (!done || verdicts.Count == 0)
            return null;
        var votes = verdicts.Select(v => Parse(v.Verdict)).ToArray();
        int failures = votes.Count(v => v == ReviewVerdict.Failure), oks = votes.Count(v => v == ReviewVerdict.Ok);
        var unsure = votes.Length - failures - oks;
        var verdict = failures > oks && failures > unsure ? ReviewVerdict.Failure
            : oks > failures && oks > unsure ? ReviewVerdict.Ok
            : ReviewVerdict.Unsure;
        var category = verdict == ReviewVerdict.Failure
            ? verdicts.Where(v => Parse(v.Verdict) == ReviewVerdict.Failure).GroupBy(v => v.Category ?? DefaultCategory, StringComparer.Ordinal)
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key
            : null;
        return new SettledVerdict(verdict, category, votes.Length);
    }

    /// <summary>The stored word for a verdict; anything that is not ok or failure counts as unsure (the store allows no other word).</summary>
    public static ReviewVerdict Parse(string verdict) => verdict switch
    {
        "failure" => ReviewVerdict.Failure,
        "ok" => ReviewVerdict.Ok,
        _ => ReviewVerdict.Unsure,
    };
}
