using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Auditor.Server.Health;

public static class HealthEndpoints
{
    /// <summary>
    /// /health/live: the process answers. /health/ready: the store answers, the rules loaded, and the pipeline commits
    /// what waits (checks tagged "ready"); 503 when one is Unhealthy, 200 when Degraded. Each check says why, with its
    /// figures in "data" (the pipeline's findings: stalled, failing, rejections).
    /// </summary>
    public static IEndpointRouteBuilder MapAuditorHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteAsync }).AllowAnonymous();
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data.Count == 0 ? null : e.Value.Data }),
        }));
    }
}
