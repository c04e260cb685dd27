using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Auditor.Server.Pipeline;

/// <summary>Readiness: the pipeline commits what waits (see <see cref="PipelineStatusRule"/> for when it is not).</summary>
public sealed class PipelineHealthCheck(PipelineMonitor monitor) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = monitor.Snapshot();
        var status = monitor.Judge(snapshot);
        var data = new Dictionary<string, object>
        {
            ["pendingSamples"] = snapshot.PendingSamples,
            ["oldestPendingSeconds"] = snapshot.PendingSince is { } since ? Math.Round((snapshot.Now - since).TotalSeconds, 1) : 0,
            ["lastCommitSecondsAgo"] = snapshot.LastCommitAt is { } last ? Math.Round((snapshot.Now - last).TotalSeconds, 1) : -1,
            ["consecutiveFailedBatches"] = snapshot.ConsecutiveFailedBatches,
            ["recentSamples"] = snapshot.WindowSamples,
            ["recentRejected"] = snapshot.WindowRejected,
            ["findings"] = status.Findings.Select(f => f.Code).ToArray(),
        };
        var result = status.State switch
        {
            PipelineState.Healthy => HealthCheckResult.Healthy(status.Summary, data),
            PipelineState.Degraded => HealthCheckResult.Degraded(status.Summary, data: data),
            _ => HealthCheckResult.Unhealthy(status.Summary, data: data),
        };
        return Task.FromResult(result);
    }
}
