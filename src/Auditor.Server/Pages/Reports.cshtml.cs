using Auditor.Review.Reports;
using Auditor.Storage.Reports;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Auditor.Server.Pages;

/// <summary>The weekly report in the UI: the HTML renderer's fragment inside the site layout.</summary>
public sealed class ReportsModel(WeeklyReportLoader loader, TimeProvider clock) : PageModel
{
    public string Week { get; private set; } = "";
    public string? Error { get; private set; }

    /// <summary>Markup from <see cref="HtmlReportRenderer.RenderFragment"/>, which HTML-encodes every string it was given.</summary>
    public string Fragment { get; private set; } = "";

    public TimeSpan Elapsed { get; private set; }

    public async Task OnGetAsync(string? week, CancellationToken ct)
    {
        var w = IsoWeek.LastComplete(clock.GetUtcNow());
        if (!string.IsNullOrEmpty(week) && !IsoWeek.TryParse(week, out w))
        {
            // The page answers 400 like the API, and still shows the last complete week under the message.
            Error = IsoWeek.Problem(week) + " Showing the last complete week.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            w = IsoWeek.LastComplete(clock.GetUtcNow());
        }
        Week = w.ToString();
        var built = await loader.BuildAsync(w, ReportLinks.Default, ct);
        Elapsed = built.Elapsed;
        Fragment = HtmlReportRenderer.RenderFragment(built.Report);
    }
}
