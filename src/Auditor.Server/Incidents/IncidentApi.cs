using System.Security.Claims;
using Auditor.Server.Accounts;
using Auditor.Server.Review;
using Auditor.Storage.Incidents;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Incidents;

/// <summary>Body of POST /api/v1/incidents/{id}/merge.</summary>
public sealed record MergeRequest(long? Into);

public static class IncidentApi
{
    /// <summary>
    /// Incidents (any user reads, confirms, merges, resolves; one incident comes with its evidence), a scan on demand and the
    /// alert outbox (admin).
    /// </summary>
    public static IEndpointRouteBuilder MapIncidentApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/incidents", async (IncidentStore store, int? limit, CancellationToken ct) =>
            TypedResults.Ok(await store.ListAsync(Math.Clamp(limit ?? 200, 1, 1000), ct)));
        app.MapGet("/api/v1/incidents/{incidentId:long}", async Task<Results<Ok<IncidentDetails>, ProblemHttpResult>> (long incidentId, ClaimsPrincipal user,
            IncidentDetailsQuery details, CancellationToken ct) =>
            await details.FindAsync(incidentId, user, ct) is { } i ? TypedResults.Ok(i) : NotFound(incidentId));

        var act = app.MapGroup("/api/v1/incidents/{incidentId:long}").AddEndpointFilter<CookieCsrfFilter>();
        act.MapPost("/confirm", async (long incidentId, ClaimsPrincipal user, IncidentStore store, CancellationToken ct) =>
            await store.ConfirmAsync(incidentId, user.Identity!.Name!, ct) ? Results.NoContent() : Conflict(incidentId, "is not open"));
        act.MapPost("/resolve", async (long incidentId, ClaimsPrincipal user, IncidentStore store, CancellationToken ct) =>
            await store.ResolveAsync(incidentId, user.Identity!.Name!, ct) ? Results.NoContent() : Conflict(incidentId, "is neither open nor confirmed"));
        act.MapPost("/merge", async (long incidentId, MergeRequest body, ClaimsPrincipal user, IncidentStore store, CancellationToken ct) =>
            body.Into is { } into && await store.MergeAsync(incidentId, into, user.Identity!.Name!, ct)
                ? Results.NoContent()
                : Conflict(incidentId, "cannot be merged there (both must exist, differ, and be open, confirmed or the target not resolved)"));

        var admin = app.MapGroup("/api/v1").RequireAuthorization(AccountsRegistration.AdminPolicy);
        admin.MapPost("/incidents/scan", async (IncidentScanner scanner, IOptionsMonitor<IncidentOptions> options, CancellationToken ct) =>
            TypedResults.Ok(await scanner.ScanAsync(options.CurrentValue.Scan, ct))).AddEndpointFilter<CookieCsrfFilter>();
        admin.MapGet("/alerts", async (AlertOutbox outbox, int? limit, CancellationToken ct) =>
            TypedResults.Ok(await outbox.ListAsync(Math.Clamp(limit ?? 200, 1, 1000), ct)));
        return app;
    }

    private static ProblemHttpResult NotFound(long id) =>
        TypedResults.Problem(statusCode: 404, title: "No such incident", detail: $"There is no incident {id}.");

    private static ProblemHttpResult Conflict(long id, string why) =>
        TypedResults.Problem(statusCode: 409, title: "Not possible in this state", detail: $"Incident {id} {why}.");
}
