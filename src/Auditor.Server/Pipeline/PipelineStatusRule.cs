namespace Auditor.Server.Pipeline;

/// <summary>How the pipeline is doing, worst first when several things are wrong.</summary>
public enum PipelineState
{
    Healthy,
    Degraded,
    Unhealthy,
}

/// <summary>One thing wrong with the pipeline: a stable code ("stalled", "failing", "rejections"), its weight, and why.</summary>
public sealed record PipelineFinding(string Code, PipelineState State, string Reason);

/// <summary>The verdict of <see cref="PipelineStatusRule"/>: the worst finding's state and every finding.</summary>
public sealed record PipelineStatus(PipelineState State, IReadOnlyList<PipelineFinding> Findings)
{
    public string Summary => Findings.Count == 0 ? "committing; nothing waits too long" : string.Join("; ", Findings.Select(f => f.Reason));
}

/// <summary>What the pipeline looked like at one moment: everything <see cref="PipelineStatusRule"/> judges.</summary>
/// <param name="Now">When the snapshot was taken.</param>
/// <param name="LastCommitAt">The last successful batch commit since the process started, if any.</param>
/// <param name="PendingSamples">Samples waiting: HTTP requests waiting for their commit, batches being processed, and
/// the broker queue's ready messages (when known).</param>
/// <param name="PendingSince">Since when work has been waiting without a break (null when nothing waits).</param>
/// <param name="ConsecutiveFailedBatches">Batch commits that failed since the last one that succeeded.</param>
/// <param name="LastFailure">Why the last failed batch failed.</param>
/// <param name="WindowSamples">Samples judged (counted, duplicate or rejected) in the recent window.</param>
/// <param name="WindowRejected">Of those, rejected.</param>
public sealed record PipelineSnapshot(
    DateTimeOffset Now,
    DateTimeOffset? LastCommitAt,
    long PendingSamples,
    DateTimeOffset? PendingSince,
    int ConsecutiveFailedBatches,
    string? LastFailure,
    long WindowSamples,
    long WindowRejected);

/// <summary>
/// Decides whether the pipeline is healthy. Pure: the same snapshot and options give the same status.
/// <list type="bullet">
/// <item><b>stalled</b> (Unhealthy): samples wait and nothing committed for StallSeconds, counted from the later of the
/// last commit and the moment the waiting began, so a sample arriving after an idle hour is not a stall.</item>
/// <item><b>failing</b>: one failed batch commit since the last success makes it Degraded, FailedBatchesUnhealthy in a
/// row Unhealthy (a failure a retry cures at once costs nothing; an outage shows at once).</item>
/// <item><b>rejections</b> (Degraded): at least RejectionSpikeShare of at least RejectionMinSamples recent samples
/// were rejected: a publisher is sending what the contract refuses.</item>
/// </list>
/// </summary>
public static class PipelineStatusRule
{
    public static PipelineStatus Judge(PipelineSnapshot s, PipelineOptions options)
    {
        var findings = new List<PipelineFinding>();
        if (s.PendingSamples > 0 && s.PendingSince is { } since)
        {
            var from = s.LastCommitAt is { } last && last > since ? last : since;
            var waited = s.Now - from;
            if (waited >= TimeSpan.FromSeconds(options.StallSeconds))
                findings.Add(new PipelineFinding("stalled", PipelineState.Unhealthy,
                    $"stalled: {s.PendingSamples} samples wait and nothing committed for {waited.TotalSeconds:F0} s (limit {options.StallSeconds} s)"));
        }
        if (s.ConsecutiveFailedBatches > 0)
        {
            var state = s.ConsecutiveFailedBatches >= options.FailedBatchesUnhealthy ? PipelineState.Unhealthy : PipelineState.Degraded;
            findings.Add(new PipelineFinding("failing", state,
                $"failing: the last {s.ConsecutiveFailedBatches} batch commits failed ({s.LastFailure ?? "no reason recorded"})"));
        }
        if (s.WindowSamples >= options.RejectionMinSamples && s.WindowSamples > 0)
        {
            var share = (double)s.WindowRejected / s.WindowSamples;
            if (share >= options.RejectionSpikeShare)
                findings.Add(new PipelineFinding("rejections", PipelineState.Degraded,
                    $"rejections: {s.WindowRejected} of the last {s.WindowSamples} samples were rejected ({share:P0}, limit {options.RejectionSpikeShare:P0} over {options.RejectionWindowSeconds} s)"));
        }
        var worst = findings.Count == 0 ? PipelineState.Healthy : findings.Max(f => f.State);
        return new PipelineStatus(worst, findings);
    }
}
