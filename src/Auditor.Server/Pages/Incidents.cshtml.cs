using Auditor.Review.Incidents;
using Auditor.Storage.Incidents;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Auditor.Server.Pages;

/// <summary>Incidents: reviewers and admins confirm, merge and resolve them.</summary>
public sealed class IncidentsModel(IncidentStore store) : PageModel
{
    public IReadOnlyList<Incident> Incidents { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct) => Incidents = await store.ListAsync(300, ct);

    public async Task<IActionResult> OnPostConfirmAsync(long incidentId, CancellationToken ct)
    {
        TempData["Message"] = await store.ConfirmAsync(incidentId, User.Identity!.Name!, ct)
            ? $"Incident {incidentId} confirmed." : $"Incident {incidentId} is not open.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostResolveAsync(long incidentId, CancellationToken ct)
    {
        TempData["Message"] = await store.ResolveAsync(incidentId, User.Identity!.Name!, ct)
            ? $"Incident {incidentId} resolved." : $"Incident {incidentId} is neither open nor confirmed.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostMergeAsync(long incidentId, long into, CancellationToken ct)
    {
        TempData["Message"] = await store.MergeAsync(incidentId, into, User.Identity!.Name!, ct)
            ? $"Incident {incidentId} merged into {into}." : $"Incident {incidentId} cannot be merged into {into}.";
        return RedirectToPage();
    }
}
