using Auditor.Review.Incidents;
using Auditor.Server.Review;
using Auditor.Storage.Accounts;
using Auditor.Storage.Incidents;
using Auditor.Storage.Review;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Auditor.Server.Pages;

/// <summary>
/// The queue: what waits per stream and stratum (and what waits for a second reviewer), my progress today, the scope to
/// review (stream, stratum, deployment, open incident), the one-key option, and the "next", "skip" and "undo" actions
/// every review page posts to.
/// </summary>
public sealed class IndexModel(ReviewQueue queue, ReviewSettings settings, ReviewerPreferences preferences, IncidentStore incidents, TimeProvider clock) : PageModel
{
    public IReadOnlyList<QueueCell> Cells { get; private set; } = [];
    public IReadOnlyList<string> Deployments { get; private set; } = [];
    public IReadOnlyList<Incident> OpenIncidents { get; private set; } = [];
    public long MyVerdictsToday { get; private set; }
    public bool OneKeyReview { get; private set; }

    /// <summary>The item just judged with one key when the scope then ran dry, so its detector results are one key ("p") away here too.</summary>
    public long? PreviousItemId { get; private set; }

    /// <summary>The scope the form starts from (the query: /?model=&amp;route=&amp;stratum=&amp;deployment=&amp;incident=, as other pages link it).</summary>
    public ReviewScope Scope { get; private set; } = ReviewScope.All;

    public async Task OnGetAsync(string? model, string? route, string? stratum, string? deployment, long? incident, CancellationToken ct)
    {
        Scope = ReviewScope.Of(model, route, stratum, deployment, incident) is { } asked && asked.Problem() is null ? asked : ReviewScope.All;
        PreviousItemId = TempData["PreviousItem"] is string previous && long.TryParse(previous, out var id) ? id : null;
        Cells = await queue.SummaryAsync(ct);
        Deployments = await queue.OpenDeploymentsAsync(ct);
        OpenIncidents = (await incidents.ListAsync(300, ct)).Where(i => i.IsOpen).ToList();
        var now = clock.GetUtcNow();
        MyVerdictsToday = await queue.VerdictCountAsync(User.Identity!.Name!, new DateTimeOffset(now.Date, TimeSpan.Zero), ct);
        OneKeyReview = await preferences.OneKeyReviewAsync(User.Identity!.Name!, ct);
    }

    /// <summary>Claims the next item of the scope posted with the form (none: the whole queue) and opens it, scope kept.</summary>
    public async Task<IActionResult> OnPostNextAsync(string? model, string? route, string? stratum, string? deployment, long? incident, CancellationToken ct)
    {
        var scope = ReviewScope.Of(model, route, stratum, deployment, incident);
        return await OpenNextAsync(this, queue, settings, scope, prefix: null, ct);
    }

    /// <summary>Takes back my last verdict and opens its item again; the item I was looking at (if any) is given back first.</summary>
    public async Task<IActionResult> OnPostUndoAsync(long? current, string? model, string? route, string? stratum, string? deployment, long? incident, CancellationToken ct)
    {
        var me = User.Identity!.Name!;
        var itemId = await queue.UndoLastVerdictAsync(me, settings.UndoWindow, settings.Lease, ct);
        if (itemId is null)
        {
            TempData["Message"] = "Nothing to undo: no verdict of yours in the last 30 minutes, or another reviewer holds that item now.";
            return current is { } c ? RedirectToPage("/Review/Item", ItemRoute(c, ReviewScope.Of(model, route, stratum, deployment, incident))) : RedirectToPage("/Index");
        }
        // One item at a time: the one on screen goes back to the queue, so it is not held for a lease while I redo the other.
        if (current is { } held && held != itemId)
            await queue.ReleaseAsync(held, me, ct);
        TempData["Message"] = "Your last verdict was taken back; give it again.";
        return RedirectToPage("/Review/Item", ItemRoute(itemId.Value, ReviewScope.Of(model, route, stratum, deployment, incident)));
    }

    /// <summary>Switches one-key review (the verdict key saves and opens the next item) on or off for my account.</summary>
    public async Task<IActionResult> OnPostOneKeyAsync(bool on, CancellationToken ct)
    {
        await preferences.SetOneKeyReviewAsync(User.Identity!.Name!, on, ct);
        TempData["Message"] = on ? "One-key review is on: a verdict key saves and opens the next item." : "One-key review is off: after a verdict you see the detectors, then press n.";
        return RedirectToPage("/Index");
    }

    /// <summary>
    /// Claims the next item of <paramref name="scope"/> and redirects to it, saying so when it is an item already held
    /// or when an item held outside the scope was given back. <paramref name="prefix"/> starts the message (a saved verdict).
    /// </summary>
    internal static async Task<IActionResult> OpenNextAsync(PageModel page, ReviewQueue queue, ReviewSettings settings, ReviewScope scope, string? prefix, CancellationToken ct)
    {
        if (scope.Problem() is { } problem)
        {
            page.TempData["Message"] = "That review scope cannot be used: " + problem;
            return page.RedirectToPage("/Index");
        }
        var outcome = await queue.ClaimInScopeAsync(page.User.Identity!.Name!, settings.Lease, scope, ct);
        var words = new List<string>(3);
        if (prefix is not null)
            words.Add(prefix);
        if (outcome.ReleasedItemId is { } released)
            words.Add($"Item {released}, which you held outside this scope, went back to the queue.");
        if (outcome.Item is null)
        {
            words.Add(scope.IsAll ? "Nothing waits for you: every item is reviewed or being reviewed." : $"Nothing waits for you in {scope.Describe()}.");
            page.TempData["Message"] = string.Join(" ", words);
            return page.RedirectToPage("/Index");
        }
        if (outcome.Resumed)
            words.Add($"You already held item {outcome.Item.ItemId}: here it is again (a reviewer holds one item at a time).");
        if (words.Count > 0)
            page.TempData["Message"] = string.Join(" ", words);
        return page.RedirectToPage("/Review/Item", ItemRoute(outcome.Item.ItemId, scope));
    }

    internal static RouteValueDictionary ItemRoute(long itemId, ReviewScope scope)
    {
        var route = new RouteValueDictionary { ["itemId"] = itemId };
        foreach (var (key, value) in scope.ToQuery())
            route[key] = value;
        return route;
    }
}
