using Auditor.Server.Accounts;
using Auditor.Server.Rejected;
using Auditor.Server.Web;
using Auditor.Storage.Rejected;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Auditor.Server.Pages;

/// <summary>
/// Admins read what was rejected (reason, source, time, the payload shown encoded) and replay a payload through the
/// intake once its cause is fixed.
/// </summary>
[Authorize(Policy = AccountsRegistration.AdminPolicy)]
public sealed class RejectedModel(RejectedSampleReader reader, RejectedReplay replay) : PageModel
{
    private const int PageSize = 50;

    [BindProperty(SupportsGet = true)] public string? Source { get; set; }
    [BindProperty(SupportsGet = true)] public string? Rule { get; set; }
    [BindProperty(SupportsGet = true, Name = "from")] public string? FromText { get; set; }
    [BindProperty(SupportsGet = true, Name = "to")] public string? ToText { get; set; }
    [BindProperty(SupportsGet = true)] public long? Before { get; set; }

    public IReadOnlyList<RejectedRecord> Items { get; private set; } = [];
    public long? Next { get; private set; }
    public string? Error { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        if (!TimeRange.TryParse(Blank(FromText), Blank(ToText), out var from, out var to))
        {
            Error = "from and to must be dates and times, such as 2026-11-24T10:00.";
            return;
        }
        Items = await reader.FindAsync(new RejectedQuery(Blank(Source), Blank(Rule), from, to, Before, PageSize), ct);
        Next = Items.Count == PageSize ? Items[^1].Id : null;
    }

    public async Task<IActionResult> OnPostReplayAsync(long id, CancellationToken ct)
    {
        var result = await replay.ReplayAsync(id, ct);
        TempData["Message"] = result switch
        {
            null => $"There is no rejected payload {id}.",
            { Outcome: "accepted" } => $"Replayed {id}: {result.Accepted} sample(s) accepted and queued to be counted.",
            _ => $"Replayed {id}: still rejected: " + string.Join("; ", result.Rejected.SelectMany(r => r.Errors).Select(e => $"{e.Rule}: {e.Message}")),
        };
        return RedirectToPage(new { Source, Rule, from = FromText, to = ToText, Before });
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
