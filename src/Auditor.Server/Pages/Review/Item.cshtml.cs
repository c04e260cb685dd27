using Auditor.Server.Review;
using Auditor.Storage.Review;
using Auditor.Storage.Samples;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Auditor.Server.Pages.Review;

/// <summary>
/// One review item. While the reviewer holds it: the output (evidence highlighted unless blind) and the verdict form.
/// After their verdict: the verdict, every detector's result, and next / undo.
/// </summary>
public sealed class ItemModel(ReviewQueue queue, SampleReader samples, ReviewSettings settings) : PageModel
{
    public long ItemId { get; private set; }
    public ClaimedItem? Item { get; private set; }
    public StoredSampleView? Sample { get; private set; }
    public bool Deciding { get; private set; }
    public bool Blind { get; private set; }
    public OutputView Output { get; private set; } = null!;
    public IReadOnlyList<VerdictView> MyVerdicts { get; private set; } = [];
    public IReadOnlyList<string> Categories => Verdicts.Categories;

    public async Task<IActionResult> OnGetAsync(long itemId, CancellationToken ct)
    {
        ItemId = itemId;
        var me = User.Identity!.Name!;
        Item = await queue.FindAsync(itemId, ct);
        if (Item is null)
            return NotFound();
        var held = await queue.HeldByAsync(itemId, me, ct);
        MyVerdicts = (await queue.VerdictsAsync(itemId, ct)).Where(v => v.Reviewer == me).ToList();
        if (held is null && MyVerdicts.Count == 0)
        {
            TempData["Message"] = $"Item {itemId} is not yours: claim the next item instead (a lease may have expired).";
            return RedirectToPage("/Index");
        }
        Deciding = held is not null;
        Blind = Deciding && settings.IsBlind(Item.Stratum);
        Sample = await samples.GetAsync(Item.SampleId, ct);
        Output = OutputView.Of(Sample!.Sample.Output ?? "", Sample.DetectorResults, highlight: !Blind, captured: Sample.Sample.HasOutputText);
        return Page();
    }

    public async Task<IActionResult> OnPostVerdictAsync(long itemId, string? choice, string? note, CancellationToken ct)
    {
        var (verdict, category) = Parse(choice);
        if (Verdicts.Problem(verdict, category) is { } problem)
        {
            TempData["Message"] = problem;
            return RedirectToPage(new { itemId });
        }
        var me = User.Identity!.Name!;
        var held = await queue.HeldByAsync(itemId, me, ct);
        var result = await queue.SaveVerdictAsync(itemId, me, verdict, category, note?.Trim(), held is not null && settings.IsBlind(held.Stratum), ct);
        if (result is SaveVerdictResult.NotClaimedByYou or SaveVerdictResult.NotFound)
        {
            TempData["Message"] = "That verdict was not saved: you no longer hold the item (its lease expired and another reviewer took it).";
            return RedirectToPage("/Index");
        }
        return RedirectToPage(new { itemId });
    }

    private static (string Verdict, string? Category) Parse(string? choice) => choice switch
    {
        null => ("", null),
        _ when choice.StartsWith("failure:", StringComparison.Ordinal) => (Verdicts.Failure, choice["failure:".Length..]),
        _ => (choice, null),
    };
}
