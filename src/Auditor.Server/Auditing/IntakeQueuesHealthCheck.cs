using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Auditor.Server.Auditing;

/// <summary>
/// Readiness on RabbitMQ: Degraded while an intake queue holds samples that no process consumes (naming it), so a
/// topology change or a dead endpoint that strands samples shows on /health/ready. Leftover queues being drained are
/// listed in the data; they are not a fault.
/// </summary>
public sealed class IntakeQueuesHealthCheck(IntakeQueues queues) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var (read, at) = queues.Read();
        if (at is null)
            return Task.FromResult(HealthCheckResult.Healthy("intake queues not read yet"));
        var data = new Dictionary<string, object>
        {
            ["unconsumed"] = read.Where(q => q.Unconsumed).Select(q => q.Name).ToArray(),
            ["leftovers"] = read.Where(q => q.Leftover).ToDictionary(q => q.Name, q => (object)new { ready = q.Ready, consumers = q.Consumers, drainingHere = q.DrainingHere }),
            ["readAt"] = at.Value.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        };
        var unconsumed = read.Where(q => q.Unconsumed).ToList();
        if (unconsumed.Count > 0)
            return Task.FromResult(HealthCheckResult.Degraded(
                "samples wait with no consumer: " + string.Join(", ", unconsumed.Select(q => $"{q.Name} holds {q.Ready}{(q.Leftover ? " (left over from another shard count)" : "")}")),
                data: data));
        var draining = read.Where(q => q.Leftover && q.Ready > 0).ToList();
        return Task.FromResult(HealthCheckResult.Healthy(draining.Count == 0
            ? "every intake queue that holds samples is consumed"
            : "draining leftover queues: " + string.Join(", ", draining.Select(q => $"{q.Name} ({q.Ready})")), data));
    }
}
