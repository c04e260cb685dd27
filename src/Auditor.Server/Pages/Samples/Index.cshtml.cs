using Auditor.Server.Web;
using Auditor.Storage.Samples;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Auditor.Server.Pages.Samples;

/// <summary>Search stored samples by stream, flagging detector, verdict and time.</summary>
public sealed class SamplesModel(SampleSearch search) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? Model { get; set; }
    [BindProperty(SupportsGet = true)] public string? Route { get; set; }
    [BindProperty(SupportsGet = true)] public string? Detector { get; set; }
    [BindProperty(SupportsGet = true)] public string? Verdict { get; set; }
    [BindProperty(SupportsGet = true, Name = "from")] public string? FromText { get; set; }
    [BindProperty(SupportsGet = true, Name = "to")] public string? ToText { get; set; }

    public IReadOnlyList<SampleListItem> Results { get; private set; } = [];
    public string? Error { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        if (!TimeRange.TryParse(Blank(FromText), Blank(ToText), out var from, out var to))
        {
            Error = "from and to must be dates and times, such as 2026-11-24T10:00.";
            return;
        }
        Results = await search.FindAsync(new SampleQuery(Blank(Model), Blank(Route), Blank(Detector), Blank(Verdict), from, to, 200), ct);
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
