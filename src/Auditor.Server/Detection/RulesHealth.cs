using Auditor.Detection.Rules;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Auditor.Server.Detection;

/// <summary>
/// Readiness reports a bad rules/ edit as Degraded: the server still runs on the last good rules (so it stays in
/// service), and the description names file, line and problem.
/// </summary>
public sealed class RulesHealthCheck(RulesWatcher rules) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = rules.Status;
        return Task.FromResult(status.Healthy
            ? HealthCheckResult.Healthy($"rules {status.Fingerprint[..Math.Min(12, status.Fingerprint.Length)]} loaded at {status.LoadedAt:u}")
            : HealthCheckResult.Degraded($"rules/ has errors; running on the last good rules loaded at {status.LoadedAt:u}: {string.Join("; ", status.LastErrors)}"));
    }
}

/// <summary>Logs every rules/ reload: a good edit at information, a refused one as an error naming file and line.</summary>
public sealed partial class RulesLogging(RulesWatcher rules, ILogger<RulesLogging> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        rules.Reloaded += OnReloaded;
        if (!rules.Status.Healthy)
            LogRefused(string.Join("; ", rules.Status.LastErrors));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        rules.Reloaded -= OnReloaded;
        return Task.CompletedTask;
    }

    private void OnReloaded(object? sender, RulesReloadedEventArgs e)
    {
        if (e.Errors.Count > 0)
            LogRefused(string.Join("; ", e.Errors));
        else if (e.Changed)
            LogLoaded(e.Current.Fingerprint);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "rules/ reloaded (fingerprint {Fingerprint})")]
    private partial void LogLoaded(string fingerprint);

    [LoggerMessage(Level = LogLevel.Error, Message = "rules/ edit refused; the last good rules stay in force: {Errors}")]
    private partial void LogRefused(string errors);
}
