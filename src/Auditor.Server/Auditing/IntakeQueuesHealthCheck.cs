using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Auditor.Server.Auditing;

/// <summary>
/// Readiness on RabbitMQ: Degraded while an intake queue holds samples that no process consumes (naming it), while the
/// broker's queues cannot be read (since when, and why), and while this process runs another Auditor__Transport__Shards
/// than the newest recorded one (naming both), so a topology change or a dead endpoint that strands samples, an outage,
/// or a half-finished rolling change shows on /health/ready. Leftover queues being drained are listed in the data; they
/// are not a fault.
/// </summary>
public sealed class IntakeQueuesHealthCheck(IntakeQueues queues) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var (read, at) = queues.Read();
        var failing = queues.Failing;
        var shards = queues.ShardCount;
        var data = new Dictionary<string, object>
        {
            ["unconsumed"] = read.Where(q => q.Unconsumed).Select(q => q.Name).ToArray(),
            ["leftovers"] = read.Where(q => q.Leftover).ToDictionary(q => q.Name, q => (object)new { ready = q.Ready, consumers = q.Consumers, drainingHere = q.DrainingHere }),
            ["readAt"] = at is { } readAt ? Time(readAt) : "never",
            ["shards"] = new
            {
                configured = shards.Configured,
                newest = shards.Newest?.Shards,
                newestSetAt = shards.Newest is { } n ? Time(n.SetAt) : null,
                newestSetBy = shards.Newest?.SetBy,
                bound = shards.Bound,
                readError = shards.ReadError,
            },
        };
        var problems = new List<string>();
        if (failing is { } f)
            problems.Add($"the intake queues could not be read since {Time(f.Since)} ({f.Error}); last reading {(at is { } last ? Time(last) : "none")}");
        var unconsumed = read.Where(q => q.Unconsumed).ToList();
        if (unconsumed.Count > 0)
            problems.Add("samples wait with no consumer: " + string.Join(", ", unconsumed.Select(q => $"{q.Name} holds {q.Ready}{(q.Leftover ? " (left over from another shard count)" : "")}")));
        if (shards.Disagrees)
            problems.Add($"Auditor__Transport__Shards is {shards.Configured} here but the newest recorded shard count is {shards.Newest!.Shards} "
                + $"(set {Time(shards.Newest.SetAt)} by {shards.Newest.SetBy}); this process follows {shards.Newest.Shards} until it runs with it");
        if (problems.Count > 0)
            return Task.FromResult(HealthCheckResult.Degraded(string.Join("; ", problems), data: data));
        if (at is null)
            return Task.FromResult(HealthCheckResult.Healthy("intake queues not read yet", data));
        var draining = read.Where(q => q.Leftover && q.Ready > 0).ToList();
        return Task.FromResult(HealthCheckResult.Healthy(draining.Count == 0
            ? "every intake queue that holds samples is consumed"
            : "draining leftover queues: " + string.Join(", ", draining.Select(q => $"{q.Name} ({q.Ready})")), data));
    }

    private static string Time(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);
}
