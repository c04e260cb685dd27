using System.Security.Claims;
using Auditor.Detection;
using Auditor.Server.Review;
using Auditor.Server.Web;
using Auditor.Storage.Review;
using Auditor.Storage.Samples;

namespace Auditor.Server.Samples;

/// <summary>The samples search as the page and GET /api/v1/samples receive it: raw query values, checked in one place.</summary>
public sealed record SampleFilter(
    string? Model = null, string? Route = null, string? Deployment = null, string? Detector = null, string? Stratum = null,
    string? Verdict = null, string? From = null, string? To = null, string? Q = null, int Offset = 0, int Limit = SampleFilter.DefaultLimit)
{
    public const int DefaultLimit = 25;

    public static readonly IReadOnlyList<string> Strata = ["flagged", "uniform"];

    /// <summary>
    /// The query to run, or every problem with the values in words (an unknown detector, stratum or verdict, a time that
    /// is not one, text that cannot be a parameter, a page out of range). Blank values mean "any".
    /// </summary>
    public SampleQuery? ToQuery(DetectorRegistry detectors, ReviewSettings settings, ClaimsPrincipal user, out IReadOnlyList<string> problems)
    {
        var found = new List<string>();
        foreach (var (name, value) in new[] { ("model", Model), ("route", Route), ("deployment", Deployment), ("detector", Detector),
                     ("stratum", Stratum), ("verdict", Verdict), ("from", From), ("to", To) })
        {
            if (SampleTextQuery.TextProblem(name, value) is { } p)
                found.Add(p);
        }
        var text = SampleTextQuery.Parse(Q, out var textProblem);
        if (textProblem is not null)
            found.Add(textProblem);
        if (found.Count > 0)
        {
            problems = found;
            return null;
        }
        string? detector = Blank(Detector), stratum = Blank(Stratum), verdict = Blank(Verdict);
        if (detector is not null && detectors.Detectors.All(d => d.Name != detector))
            found.Add($"detector '{detector}' is not one of {string.Join(", ", detectors.Detectors.Select(d => d.Name))}.");
        if (stratum is not null && !Strata.Contains(stratum))
            found.Add($"stratum '{stratum}' is not one of {string.Join(", ", Strata)}.");
        if (verdict is not null && !Verdicts.All.Contains(verdict))
            found.Add($"verdict '{verdict}' is not one of {string.Join(", ", Verdicts.All)}.");
        if (!TimeRange.TryParse(Blank(From), Blank(To), out var from, out var to))
            found.Add("from and to must be times in UTC, such as 2026-11-24T10:00 (an offset such as +01:00 may be given).");
        if (Offset < 0 || Offset > MaxOffset)
            found.Add($"offset must be from 0 to {MaxOffset}.");
        if (Limit < 1 || Limit > SampleSearch.MaxLimit)
            found.Add($"limit must be from 1 to {SampleSearch.MaxLimit}.");
        problems = found;
        if (found.Count > 0)
            return null;
        return new SampleQuery(Blank(Model), Blank(Route), detector, verdict, from, to, Limit, user.Identity?.Name, Blank(Deployment), stratum, text,
            Offset, settings.HiddenStratumFor(user));
    }

    /// <summary>Deep offsets make the database walk every skipped row; a narrower search is the answer past this.</summary>
    public const int MaxOffset = 100_000;

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
