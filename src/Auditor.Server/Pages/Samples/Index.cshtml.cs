using Auditor.Detection;
using Auditor.Server.Review;
using Auditor.Server.Samples;
using Auditor.Server.Web;
using Auditor.Storage.Samples;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Auditor.Server.Pages.Samples;

/// <summary>
/// Search stored samples by output text, stream, deployment, flagging detector, stratum, verdict and time (UTC), a page at
/// a time. While a row is blind to this reviewer (a uniform item they may still judge), it shows neither what flagged it
/// nor other reviewers' verdicts, and a search by detector or verdict leaves it out, so the filters cannot reveal either.
/// </summary>
public sealed class SamplesModel(SampleSearch search, DetectorRegistry detectors, ReviewSettings settings) : PageModel
{
    public static readonly int[] PageSizes = [25, 50, 100];

    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true)] public string? Stream { get; set; }
    [BindProperty(SupportsGet = true)] public string? Deployment { get; set; }
    [BindProperty(SupportsGet = true)] public string? Detector { get; set; }
    [BindProperty(SupportsGet = true)] public string? Stratum { get; set; }
    [BindProperty(SupportsGet = true)] public string? Verdict { get; set; }
    [BindProperty(SupportsGet = true, Name = "from")] public string? FromText { get; set; }
    [BindProperty(SupportsGet = true, Name = "to")] public string? ToText { get; set; }
    // "page" is Razor Pages' own route value, so the page number travels as p.
    [BindProperty(SupportsGet = true, Name = "p")] public string? PageText { get; set; }
    [BindProperty(SupportsGet = true, Name = "size")] public string? SizeText { get; set; }

    public SamplePage Results { get; private set; } = new([], 0, 0, SampleFilter.DefaultLimit);
    public SampleFilterChoices Choices { get; private set; } = new([], [], 0, 0);
    public IReadOnlyList<string> DetectorNames => detectors.Detectors.Select(d => d.Name).Order(StringComparer.Ordinal).ToList();
    public IReadOnlyList<string> Errors { get; private set; } = [];
    public int PageNumber { get; private set; } = 1;
    public int Size { get; private set; } = SampleFilter.DefaultLimit;
    public long PageCount => Math.Max(1, (Results.Total + Size - 1) / Size);

    /// <summary>Ids of the rows shown blind.</summary>
    public IReadOnlySet<string> Blind { get; private set; } = new HashSet<string>();

    /// <summary>Each row's snippet: around the first match, else the first evidence (none while blind), else the start.</summary>
    public IReadOnlyDictionary<string, SampleSnippet> Snippets { get; private set; } = new Dictionary<string, SampleSnippet>();

    public async Task OnGetAsync(CancellationToken ct)
    {
        Choices = await search.ChoicesAsync(ct);
        var problems = new List<string>();
        PageNumber = Whole(PageText, 1);
        Size = Whole(SizeText, SampleFilter.DefaultLimit);
        if (PageNumber < 1)
            problems.Add("p (the page number) must be a whole number from 1.");
        if (!PageSizes.Contains(Size))
            problems.Add($"size must be one of {string.Join(", ", PageSizes)}.");
        string? model = null, route = null;
        if (PageNumber > 1 && (long)(PageNumber - 1) * Math.Max(1, Size) > SampleFilter.MaxOffset)
            problems.Add($"page {PageNumber} lies beyond the first {SampleFilter.MaxOffset:N0} rows a search pages through; narrow the search.");
        if (!string.IsNullOrEmpty(Stream) && !StreamKey.TryParse(Stream, out model, out route))
            problems.Add("stream must be one of the listed streams.");
        if (problems.Count > 0)
        {
            Fail(problems);
            return;
        }
        var filter = new SampleFilter(model, route, Deployment, Detector, Stratum, Verdict, FromText, ToText, Q, (PageNumber - 1) * Size, Size);
        if (filter.ToQuery(detectors, settings, User, out var invalid) is not { } query)
        {
            Fail(invalid);
            return;
        }
        var found = await search.FindAsync(query, ct);
        Blind = found.Items.Where(r => settings.HidesResults(r, User)).Select(r => r.SampleId).ToHashSet(StringComparer.Ordinal);
        Results = found with
        {
            Items = found.Items.Select(r => Blind.Contains(r.SampleId) ? r with { Flagged = false, FlaggedBy = [], LatestVerdict = null, Evidence = [] } : r).ToList(),
        };
        Snippets = Results.Items.ToDictionary(r => r.SampleId, r => SampleSnippet.Of(r.Text, r.Evidence ?? [], query.Text, r.OutputLength), StringComparer.Ordinal);
    }

    /// <summary>This search's link to another page of it (every filter kept).</summary>
    public string PageLink(int page)
    {
        var values = new Dictionary<string, string?>
        {
            ["q"] = Q, ["stream"] = Stream, ["deployment"] = Deployment, ["detector"] = Detector, ["stratum"] = Stratum, ["verdict"] = Verdict,
            ["from"] = FromText, ["to"] = ToText, ["size"] = Size == SampleFilter.DefaultLimit ? null : Size.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["p"] = page.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return "/samples?" + string.Join("&", values.Where(v => !string.IsNullOrEmpty(v.Value)).Select(v => $"{v.Key}={Uri.EscapeDataString(v.Value!)}"));
    }

    private void Fail(IReadOnlyList<string> problems)
    {
        Errors = problems;
        Response.StatusCode = StatusCodes.Status400BadRequest;
    }

    private static int Whole(string? text, int absent) =>
        string.IsNullOrEmpty(text) ? absent : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : -1;
}
