using Auditor.Server.Review;
using Auditor.Storage.Accounts;
using Auditor.Storage.Review;
using Auditor.Storage.Samples;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Auditor.Server.Pages.Review;

/// <summary>
/// One review item, inside the reviewer's scope (stream, stratum, deployment, incident; carried in the query and in every
/// form). While the reviewer holds it: the output (evidence highlighted per detector unless blind) and the verdict form;
/// with one-key review the verdict key saves and opens the next item of the scope. After their verdict (one-key off, or
/// when they ask with "p"): the verdict, every detector's result, and next / undo.
/// </summary>
public sealed class ItemModel(ReviewQueue queue, SampleReader samples, ReviewSettings settings, VerdictHandler verdicts, ReviewerPreferences preferences) : PageModel
{
    public long ItemId { get; private set; }
    public ClaimedItem? Item { get; private set; }
    public StoredSampleView? Sample { get; private set; }
    public bool Deciding { get; private set; }
    public bool Blind { get; private set; }
    public OutputView Output { get; private set; } = null!;
    public string? FlaggedBy { get; private set; }
    public string? RenderedMarkdown { get; private set; }
    public IReadOnlyList<VerdictView> MyVerdicts { get; private set; } = [];
    public bool SecondReview { get; private set; }
    public ReviewScope Scope { get; private set; } = ReviewScope.All;
    public ScopeProgress? Progress { get; private set; }
    public bool OneKeyReview { get; private set; }
    public IReadOnlyList<string> Categories => Verdicts.Categories;

    /// <summary>The item judged just before this one in one-key review (TempData), for "p" and the undo hint.</summary>
    public long? PreviousItemId { get; private set; }

    public async Task<IActionResult> OnGetAsync(long itemId, string? model, string? route, string? stratum, string? deployment, long? incident, CancellationToken ct)
    {
        ItemId = itemId;
        Scope = ReviewScope.Of(model, route, stratum, deployment, incident);
        if (Scope.Problem() is not null)
            Scope = ReviewScope.All;
        var me = User.Identity!.Name!;
        Item = await queue.FindAsync(itemId, ct);
        if (Item is null)
            return NotFound();
        var held = await queue.HeldByAsync(itemId, me, ct);
        var all = await queue.VerdictsAsync(itemId, ct);
        MyVerdicts = all.Where(v => v.Reviewer == me).ToList();
        if (held is null && MyVerdicts.Count == 0)
        {
            TempData["Message"] = $"Item {itemId} is not yours: claim the next item instead (a lease may have expired).";
            return RedirectToPage("/Index");
        }
        Deciding = held is not null;
        Blind = Deciding && settings.IsBlind(Item.Stratum);
        SecondReview = Item.ReviewsRequired > 1 && all.Any(v => v.Reviewer != me);
        Sample = await samples.GetAsync(Item.SampleId, ct);
        var text = Sample!.Sample.Output ?? "";
        Output = OutputView.Of(text, Sample.DetectorResults, highlight: !Blind, captured: Sample.Sample.HasOutputText);
        FlaggedBy = Blind ? null : FlagSummary.Of(text, Sample.DetectorResults);
        RenderedMarkdown = Sample.Sample.HasOutputText && text.Length > 0 ? MarkdownView.Render(text) : null;
        Progress = await queue.ProgressAsync(me, Scope, ct);
        OneKeyReview = await preferences.OneKeyReviewAsync(me, ct);
        PreviousItemId = TempData["PreviousItem"] is string previous && long.TryParse(previous, out var id) ? id : null;
        return Page();
    }

    public async Task<IActionResult> OnPostVerdictAsync(long itemId, string? choice, string? note,
        string? model, string? route, string? stratum, string? deployment, long? incident, CancellationToken ct)
    {
        var scope = ReviewScope.Of(model, route, stratum, deployment, incident);
        var (verdict, category) = Parse(choice);
        var me = User.Identity!.Name!;
        var outcome = await verdicts.SaveAsync(itemId, me, verdict, category, note, ct);
        if (outcome.Problem is { } problem)
        {
            TempData["Message"] = problem;
            return RedirectToPage(IndexModel.ItemRoute(itemId, scope));
        }
        if (outcome.Result is SaveVerdictResult.NotClaimedByYou or SaveVerdictResult.NotFound)
        {
            TempData["Message"] = "That verdict was not saved: you no longer hold the item (its lease expired and another reviewer took it).";
            return RedirectToPage("/Index");
        }
        if (!await preferences.OneKeyReviewAsync(me, ct))
            return RedirectToPage(IndexModel.ItemRoute(itemId, scope));

        var saved = $"Saved {verdict}{(category is null ? "" : " · " + category)} on item {itemId}" +
            (outcome.AwaitsAnotherReviewer ? "; it now waits for a second reviewer." : ".");
        TempData["PreviousItem"] = itemId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await IndexModel.OpenNextAsync(this, queue, settings, scope, saved, ct);
    }

    /// <summary>Skips the item (back to the queue, last in my order) and opens the next one of the scope.</summary>
    public async Task<IActionResult> OnPostSkipAsync(long itemId, string? model, string? route, string? stratum, string? deployment, long? incident, CancellationToken ct)
    {
        var scope = ReviewScope.Of(model, route, stratum, deployment, incident);
        await queue.SkipAsync(itemId, User.Identity!.Name!, ct);
        return await IndexModel.OpenNextAsync(this, queue, settings, scope, $"Skipped item {itemId}: it comes back after everything else in your queue.", ct);
    }

    private static (string Verdict, string? Category) Parse(string? choice) => choice switch
    {
        null => ("", null),
        _ when choice.StartsWith("failure:", StringComparison.Ordinal) => (Verdicts.Failure, choice["failure:".Length..]),
        _ => (choice, null),
    };
}
