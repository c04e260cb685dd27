using Auditor.Server.Review;
using Auditor.Server.Web;
using Auditor.Storage.Samples;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Auditor.Server.Pages.Samples;

/// <summary>
/// Search stored samples by stream, flagging detector, verdict and time.
/// While a row is blind to this reviewer (a uniform item they may still judge), it shows neither what flagged it nor
/// other reviewers' verdicts, and a search by detector or verdict leaves it out, so the filters cannot reveal either.
/// </summary>
public sealed class SamplesModel(SampleSearch search, ReviewSettings settings) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? Model { get; set; }
    [BindProperty(SupportsGet = true)] public string? Route { get; set; }
    [BindProperty(SupportsGet = true)] public string? Detector { get; set; }
    [BindProperty(SupportsGet = true)] public string? Verdict { get; set; }
    [BindProperty(SupportsGet = true, Name = "from")] public string? FromText { get; set; }
    [BindProperty(SupportsGet = true, Name = "to")] public string? ToText { get; set; }

    public IReadOnlyList<SampleListItem> Results { get; private set; } = [];
    public string? Error { get; private set; }

    /// <summary>Ids of the rows shown blind.</summary>
    public IReadOnlySet<string> Blind { get; private set; } = new HashSet<string>();

    public async Task OnGetAsync(CancellationToken ct)
    {
        if (!TimeRange.TryParse(Blank(FromText), Blank(ToText), out var from, out var to))
        {
            Error = "from and to must be dates and times, such as 2026-11-24T10:00.";
            return;
        }
        var found = await search.FindAsync(new SampleQuery(Blank(Model), Blank(Route), Blank(Detector), Blank(Verdict), from, to, 200, User.Identity?.Name), ct);
        var filtersReveal = Blank(Detector) is not null || Blank(Verdict) is not null;
        Results = found
            .Where(r => !(filtersReveal && settings.HidesResults(r, User)))
            .Select(r => settings.HidesResults(r, User) ? r with { Flagged = false, FlaggedBy = [], LatestVerdict = null } : r)
            .ToList();
        Blind = Results.Where(r => settings.HidesResults(r, User)).Select(r => r.SampleId).ToHashSet(StringComparer.Ordinal);
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
