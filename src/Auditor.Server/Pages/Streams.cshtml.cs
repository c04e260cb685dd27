using Auditor.Review.Streams;
using Auditor.Server.Pipeline;
using Auditor.Server.Web;
using Auditor.Storage.Drift;
using Auditor.Storage.Streams;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Auditor.Server.Pages;

/// <summary>One deployment of a stream: what it counted, and its flag rate over the last hour and day.</summary>
public sealed record DeploymentRow(string Deployment, long Total, long Flagged, FlagRateTrend Trend);

/// <summary>One stream: its summary, its flag rate over the last hour and day, and the same per deployment.</summary>
public sealed record StreamRow(StreamSummary Summary, FlagRateTrend Trend, IReadOnlyList<DeploymentRow> Deployments)
{
    public string Key => StreamKey.Of(Summary.Model, Summary.Route);

    /// <summary>The stream's (or one deployment's) stored samples on the samples page.</summary>
    public string SamplesLink(string? deployment = null) =>
        "/samples?stream=" + Uri.EscapeDataString(Key) + (string.IsNullOrEmpty(deployment) ? "" : "&deployment=" + Uri.EscapeDataString(deployment));

    /// <summary>The review queue scoped to this stream (or deployment): the queue page reads its scope from the query.</summary>
    public string ReviewLink(string? deployment = null) =>
        "/?model=" + Uri.EscapeDataString(Summary.Model) + "&route=" + Uri.EscapeDataString(Summary.Route)
        + (string.IsNullOrEmpty(deployment) ? "" : "&deployment=" + Uri.EscapeDataString(deployment));
}

/// <summary>Every stream with counts, flag rates over the last hour and day with their trend, per deployment, and review progress.</summary>
public sealed class StreamsModel(StreamSummaryReader streams, DriftAlertStore drift, PipelineMonitor monitor, TimeProvider clock) : PageModel
{
    public DateTimeOffset Now { get; private set; }

    public IReadOnlyList<StreamRow> Rows { get; private set; } = [];

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
        Now = clock.GetUtcNow();
        // Counters are hourly: the day's window starts at the clock hour 23 hours back.
        var hourly = (await streams.HourlyAsync(Now.AddHours(-FlagRateTrend.Hours), Now.AddHours(1), ct)).ToLookup(h => (h.Model, h.Route));
        Rows = Streams.Select(s =>
        {
            var hours = hourly[(s.Model, s.Route)].ToList();
            var deployments = s.Deployments.Select(d => new DeploymentRow(d.Deployment, d.Total, d.Flagged,
                FlagRateTrend.Of(hours.Where(h => h.Deployment == d.Deployment).Select(h => new HourCount(h.Hour, h.Total, h.Flagged)), Now))).ToList();
            return new StreamRow(s, FlagRateTrend.Of(hours.Select(h => new HourCount(h.Hour, h.Total, h.Flagged)), Now), deployments);
        }).ToList();
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
