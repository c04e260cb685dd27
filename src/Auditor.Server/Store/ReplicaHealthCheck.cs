using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Auditor.Server.Store;

/// <summary>
/// Readiness of the read replica: Degraded, not Unhealthy, when it does not answer, because only the pages and APIs it
/// serves (report, streams, sample search) fail then; intake, the pipeline and review keep working on the primary.
/// </summary>
public sealed class ReplicaHealthCheck(ReadReplica replica) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!replica.IsSeparate)
            return HealthCheckResult.Healthy($"No read replica set ({ReadReplica.Setting}): reads go to the primary.");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await replica.Database.PingAsync(timeout.Token);
            return HealthCheckResult.Healthy("The read replica answers.");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Degraded(
                $"The read replica does not answer: {ex.Message}. The report, the streams page and API and sample search fail until it does; intake and review use the primary.");
        }
    }
}
