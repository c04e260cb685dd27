using System.Security.Claims;
using Auditor.Server.Accounts;
using Auditor.Server.Review;
using Auditor.Storage.Drift;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Auditor.Server.Drift;

/// <summary>GET /api/v1/drift: drift alerts (newest first) and the model versions in force.</summary>
public sealed record DriftResponse(IReadOnlyList<StoredDriftAlert> Alerts, IReadOnlyList<DriftModelVersion> Models);

public static class DriftApi
{
    public static IEndpointRouteBuilder MapDriftApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/drift", GetAsync).WithName("GetDrift");
        var admin = app.MapGroup("/api/v1/drift").RequireAuthorization(AccountsRegistration.AdminPolicy).AddEndpointFilter<CookieCsrfFilter>();
        admin.MapPost("/train", async (string? model, string? route, ClaimsPrincipal user, DriftModelJob job, CancellationToken ct) =>
            TypedResults.Ok(await job.TrainAsync($"admin {user.Identity!.Name}", ct, model, route)));
        return app;
    }

    /// <summary>?model=&amp;route= narrow to a stream; limit (default 100, at most 1000) bounds the alerts.</summary>
    private static async Task<Ok<DriftResponse>> GetAsync(string? model, string? route, int? limit, DriftAlertStore alerts, DriftModelStore models,
        CancellationToken ct)
    {
        var n = Math.Clamp(limit ?? 100, 1, 1000);
        var versions = (await models.HistoryAsync(1000, ct)).Where(v => v.Status == "active" && (model is null || v.Model == model) && (route is null || v.Route == route)).ToList();
        return TypedResults.Ok(new DriftResponse(await alerts.ListAsync(n, ct, model, route), versions));
    }
}
