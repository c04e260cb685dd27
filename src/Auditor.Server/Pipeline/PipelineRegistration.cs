using Auditor.Server.Configuration;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Auditor.Server.Pipeline;

public static class PipelineRegistration
{
    /// <summary>
    /// Durable HTTP intake for the configured transport, the pipeline monitor behind the "pipeline" readiness check,
    /// and the "Auditor" meter exported in Prometheus text at GET /metrics.
    /// </summary>
    public static IServiceCollection AddAuditorPipelineMonitoring(this IServiceCollection services, AuditorOptions options)
    {
        services.AddSingleton<PipelineMetrics>();
        services.AddSingleton<PipelineMonitor>();
        services.AddHealthChecks().AddCheck<PipelineHealthCheck>("pipeline", tags: ["ready"]);
        if (options.Transport == TransportKind.InMemory)
        {
            // The in-memory bus would lose what it holds on a kill: HTTP samples are committed before the 202 instead.
            services.AddSingleton<GroupCommitIntake>();
            services.AddSingleton<IDurableIntake>(sp => sp.GetRequiredService<GroupCommitIntake>());
            services.AddHostedService(sp => sp.GetRequiredService<GroupCommitIntake>());
        }
        else
        {
            services.AddSingleton<IDurableIntake, BrokerIntake>();
            services.AddHostedService<QueueDepthProbe>();
        }
        services.AddSingleton<StreamTotalsMetrics>();
        services.AddHostedService(sp => sp.GetRequiredService<StreamTotalsMetrics>());
        services.AddOpenTelemetry().ConfigureResource(r => r.AddService("auditor")).WithMetrics(m => m.AddMeter(PipelineMetrics.MeterName).AddPrometheusExporter());
        return services;
    }

    /// <summary>GET /metrics: anonymous unless Auditor:Metrics:RequireAuthentication (then any logged-in user or HTTP Basic).</summary>
    public static IEndpointRouteBuilder MapAuditorMetrics(this IEndpointRouteBuilder app, AuditorOptions options)
    {
        if (!options.Metrics.Enabled)
            return app;
        var endpoint = app.MapPrometheusScrapingEndpoint("/metrics");
        if (!options.Metrics.RequireAuthentication)
            endpoint.AllowAnonymous(); // counts and timings only: no sample text, no stream beyond its model and route
        return app;
    }
}
