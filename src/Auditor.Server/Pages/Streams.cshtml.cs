using Auditor.Server.Web;
using Auditor.Storage.Drift;
using Auditor.Storage.Streams;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Auditor.Server.Pages;

/// <summary>Every stream with counts, flag rates and review progress.</summary>
public sealed class StreamsModel(StreamSummaryReader streams, DriftAlertStore drift) : PageModel
{
    public IReadOnlyList<StreamSummary> Streams { get; private set; } = [];

    /// <summary>The latest drift alerts across streams (docs/drift.md).</summary>
    public IReadOnlyList<StoredDriftAlert> DriftAlerts { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        Streams = await streams.ListAsync(TimeRange.Earliest, TimeRange.Latest, ct);
        DriftAlerts = await drift.ListAsync(20, ct);
    }
}
