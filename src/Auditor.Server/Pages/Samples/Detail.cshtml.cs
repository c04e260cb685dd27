using Auditor.Server.Review;
using Auditor.Storage.Samples;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Auditor.Server.Pages.Samples;

/// <summary>A stored sample with its evidence highlighted, every detector's result, and its verdicts.</summary>
public sealed class SampleDetailModel(SampleReader samples) : PageModel
{
    public StoredSampleView? Sample { get; private set; }
    public OutputView Output { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string sampleId, CancellationToken ct)
    {
        Sample = await samples.GetAsync(sampleId, ct);
        if (Sample is null)
            return NotFound();
        Output = OutputView.Of(Sample.Sample.Output ?? "", Sample.DetectorResults, highlight: true, captured: Sample.Sample.HasOutputText);
        return Page();
    }
}
