using Auditor.Server.Pipeline;
using Auditor.Server.Web;
using Auditor.Storage.Drift;
using Auditor.Storage.Streams;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Auditor.Server.Pages;

/// <summary>Every stream with counts, flag rates and review progress.</summary>
public sealed class StreamsModel(StreamSummaryReader streams, DriftAlertStore drift, PipelineMonitor monitor) : PageModel
{
    /// <summary>The pipeline's state as /health/ready and /metrics see it, in one line.</summary>
    public PipelineLine Pipeline { get; private set; } = null!;

    public IReadOnlyList<StreamSummary> Streams { get; private set; } = [];

    /// <summary>The latest drift alerts across streams (docs/drift.md).</summary>
    public IReadOnlyList<StoredDriftAlert> DriftAlerts { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        var snapshot = monitor.Snapshot();
        Pipeline = new PipelineLine(snapshot, monitor.Judge(snapshot));
        Streams = await streams.ListAsync(TimeRange.Earliest, TimeRange.Latest, ct);
        DriftAlerts = await drift.ListAsync(20, ct);
    }
}

/// <summary>One line of pipeline status for a page.</summary>
public sealed record PipelineLine(PipelineSnapshot Snapshot, PipelineStatus Status)
{
    public string Text
    {
        get
        {
            var s = Snapshot;
            var last = s.LastCommitAt is { } at ? $"last commit {(s.Now - at).TotalSeconds:F0} s ago" : "no commit since start";
            var waiting = s.PendingSince is { } since ? $"{s.PendingSamples} samples waiting (oldest {(s.Now - since).TotalSeconds:F0} s)" : "nothing waiting";
            var rejected = s.WindowSamples == 0 ? "" : $", {s.WindowRejected} of {s.WindowSamples} recent samples rejected";
            var findings = Status.Findings.Count == 0 ? "" : $": {Status.Summary}";
            return $"Pipeline {Status.State.ToString().ToLowerInvariant()}{findings}. {waiting}; {last}{rejected}.";
        }
    }
}
