using Auditor.Server.Review;
using Auditor.Storage.Review;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Auditor.Server.Pages;

/// <summary>The queue: what waits per stream and stratum, my progress today, and the "next" and "undo" actions.</summary>
public sealed class IndexModel(ReviewQueue queue, ReviewSettings settings, TimeProvider clock) : PageModel
{
    public IReadOnlyList<QueueCell> Cells { get; private set; } = [];
    public long MyVerdictsToday { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Cells = await queue.SummaryAsync(ct);
        var now = clock.GetUtcNow();
        MyVerdictsToday = await queue.VerdictCountAsync(User.Identity!.Name!, new DateTimeOffset(now.Date, TimeSpan.Zero), ct);
    }

    public async Task<IActionResult> OnPostNextAsync(string? model, string? route, CancellationToken ct)
    {
        var item = await queue.ClaimAsync(User.Identity!.Name!, settings.Lease,
            string.IsNullOrEmpty(model) ? null : model, string.IsNullOrEmpty(route) ? null : route, ct);
        if (item is null)
        {
            TempData["Message"] = "Nothing waits for you: every item is reviewed or being reviewed.";
            return RedirectToPage("/Index");
        }
        return RedirectToPage("/Review/Item", new { itemId = item.ItemId });
    }

    public async Task<IActionResult> OnPostUndoAsync(CancellationToken ct)
    {
        var itemId = await queue.UndoLastVerdictAsync(User.Identity!.Name!, settings.UndoWindow, settings.Lease, ct);
        if (itemId is null)
        {
            TempData["Message"] = "Nothing to undo: no verdict of yours in the last 30 minutes, or another reviewer holds that item now.";
            return RedirectToPage("/Index");
        }
        TempData["Message"] = "Your last verdict was taken back; give it again.";
        return RedirectToPage("/Review/Item", new { itemId });
    }
}
