using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Auditor.Server.Hosting;

/// <summary>
/// Auditor's own telemetry in one call (the eShop ServiceDefaults pattern): OpenTelemetry traces and metrics for
/// ASP.NET Core, HttpClient (alert webhooks), MassTransit (its ActivitySource and Meter, both named "MassTransit"),
/// Npgsql and Auditor's intake counters. Exported by OTLP only when OTEL_EXPORTER_OTLP_ENDPOINT is set (the standard
/// OTEL_* variables configure the exporter: protocol, headers, service name); without it nothing leaves the process,
/// traces are not built at all, and the metrics are read at GET /metrics.
/// </summary>
public static class ServiceDefaults
{
    /// <summary>The service name when OTEL_SERVICE_NAME does not set one.</summary>
    public const string ServiceName = "auditor";

    /// <summary>Auditor's own meters (intake counters).</summary>
    public static readonly string[] Meters = ["Auditor.Ingestion"];

    public static IServiceCollection AddAuditorTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var exported = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName))
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddMeter("MassTransit")
                .AddMeter(Meters)
                .AddNpgsqlInstrumentation());
        // Traces are built only when they are exported: a listening tracer provider makes MassTransit create and tag an
        // activity for every message received and consumed (and Npgsql one per command), which without an exporter
        // only costs allocations (docs/scale.md). Metrics stay on: GET /metrics exports them.
        if (exported)
        {
            telemetry.WithTracing(t => t
                // The OTLP receiver's own requests are not traced: an exporter pointed at Auditor would otherwise
                // trace its exports into more exports.
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments(Ingestion.Otlp.OtlpTraceEndpoints.Path))
                .AddHttpClientInstrumentation()
                .AddSource("MassTransit")
                .AddNpgsql());
            telemetry.UseOtlpExporter();
        }
        return services;
    }
}
