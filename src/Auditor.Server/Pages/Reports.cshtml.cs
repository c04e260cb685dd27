using Auditor.Review.Reports;
using Auditor.Storage.Reports;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Auditor.Server.Pages;

/// <summary>
/// The weekly report in the UI: the HTML renderer's fragment inside the site layout. Opens on the current week (marked
/// partial: its figures are the week so far), so the page is not empty right after traffic starts; a picker goes back.
/// </summary>
public sealed class ReportsModel(WeeklyReportLoader loader, TimeProvider clock) : PageModel
{
    /// <summary>How many weeks back the picker lists (any week can still be typed).</summary>
    public const int PickerWeeks = 12;

    public IsoWeek Week { get; private set; }
    public IsoWeek Current { get; private set; }
    public string? Error { get; private set; }

    /// <summary>Markup from <see cref="HtmlReportRenderer.RenderFragment"/>, which HTML-encodes every string it was given.</summary>
    public string Fragment { get; private set; } = "";

    public TimeSpan Elapsed { get; private set; }

    /// <summary>The current week and the ones before it, newest first, for the picker.</summary>
    public IEnumerable<IsoWeek> RecentWeeks => Enumerable.Range(0, PickerWeeks).Select(Current.Minus);

    public async Task OnGetAsync(string? week, CancellationToken ct)
    {
        Current = IsoWeek.Of(clock.GetUtcNow());
        var w = Current;
        if (!string.IsNullOrEmpty(week) && !IsoWeek.TryParse(week, out w))
        {
            // The page answers 400 like the API, and still shows the current week under the message.
            Error = IsoWeek.Problem(week) + " Showing the current week.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            w = Current;
        }
        Week = w;
        var built = await loader.BuildAsync(w, ReportLinks.Default, ct);
        Elapsed = built.Elapsed;
        Fragment = HtmlReportRenderer.RenderFragment(built.Report);
    }
}
