using Auditor.Review.Incidents;
using Auditor.Server.Incidents;
using Auditor.Storage.Incidents;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Auditor.Server.Pages;

/// <summary>Incidents: reviewers and admins confirm, merge and resolve them; ?incident=N shows one incident's evidence.</summary>
public sealed class IncidentsModel(IncidentStore store, IncidentDetailsQuery details) : PageModel
{
    public IReadOnlyList<Incident> Incidents { get; private set; } = [];

    /// <summary>The incident whose evidence is shown (the API's GET /api/v1/incidents/{id}), when one was asked for.</summary>
    public IncidentDetails? Selected { get; private set; }

    [BindProperty(SupportsGet = true, Name = "incident")] public long? IncidentId { get; set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Incidents = await store.ListAsync(300, ct);
        if (IncidentId is { } id)
            Selected = await details.FindAsync(id, User, ct);
    }

    /// <summary>A time to the minute, as onsets are estimated: "2026-11-19 10:25Z".</summary>
    public static string Minute(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) + "Z";

    /// <summary>Minutes as people read them: "58 min", "2 h 05 min".</summary>
    public static string Duration(long minutes) => minutes < 60
        ? $"{minutes} min"
        : $"{minutes / 60} h {minutes % 60:00} min";

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
