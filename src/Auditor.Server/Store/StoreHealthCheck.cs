using Auditor.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Auditor.Server.Store;

/// <summary>Readiness: the database answers a query within the check's time.</summary>
public sealed class StoreHealthCheck(AuditorDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await database.PingAsync(timeout.Token);
            return HealthCheckResult.Healthy($"{database.Kind} answers.");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy($"{database.Kind} does not answer: {ex.Message}");
        }
    }
}
