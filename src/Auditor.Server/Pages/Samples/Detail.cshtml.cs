using Auditor.Server.Review;
using Auditor.Server.Samples;
using Auditor.Storage.Review;
using Auditor.Storage.Samples;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Auditor.Server.Pages.Samples;

/// <summary>
/// A stored sample with its evidence highlighted, every detector's result, and its verdicts; while the sample is blind
/// to this reviewer (a uniform item they may still judge), without detector results, highlights or others' verdicts.
/// </summary>
public sealed class SampleDetailModel(SampleReader samples, ReviewSettings settings) : PageModel
{
    public StoredSampleView? Sample { get; private set; }
    public OutputView Output { get; private set; } = null!;
    public bool Blind { get; private set; }
    public IReadOnlyList<VerdictView> Verdicts { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string sampleId, CancellationToken ct)
    {
        Sample = await samples.GetAsync(SampleIdInPath.Decode(sampleId) ?? "", ct);
        if (Sample is null)
            return NotFound();
        Blind = settings.HidesResults(Sample.ReviewItem, User);
        Verdicts = (Sample.ReviewItem?.Verdicts ?? []).Where(v => !Blind || v.Reviewer == User.Identity?.Name).ToList();
        Output = OutputView.Of(Sample.Sample.Output ?? "", Blind ? [] : Sample.DetectorResults, highlight: !Blind, captured: Sample.Sample.HasOutputText);
        return Page();
    }
}
