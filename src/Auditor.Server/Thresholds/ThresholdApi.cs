using Auditor.Detection;
using Auditor.Server.Accounts;
using Auditor.Server.Review;
using Auditor.Storage.Thresholds;
using Microsoft.AspNetCore.Http.HttpResults;
using System.Security.Claims;

namespace Auditor.Server.Thresholds;

/// <summary>GET /api/v1/thresholds: the defaults each detector starts from, the active versions per stream, and the history.</summary>
public sealed record ThresholdsResponse(IReadOnlyDictionary<string, double> Defaults, IReadOnlyList<ThresholdVersion> Active, IReadOnlyList<ThresholdVersion> History);

/// <summary>Body of POST /api/v1/thresholds: an admin sets a threshold by hand.</summary>
public sealed record SetThresholdRequest(string? Detector, string? Model, string? Route, double? Threshold, string? Reason);

/// <summary>Body of POST /api/v1/thresholds/pin.</summary>
public sealed record PinRequest(string? Detector, string? Model, string? Route, bool Pinned);

public static class ThresholdApi
{
    public static IEndpointRouteBuilder MapThresholdApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/thresholds", GetAsync).WithName("GetThresholds");
        var admin = app.MapGroup("/api/v1/thresholds").RequireAuthorization(AccountsRegistration.AdminPolicy).AddEndpointFilter<CookieCsrfFilter>();
        admin.MapPost("/", SetAsync);
        admin.MapPost("/calibrate", async (ClaimsPrincipal user, CalibrationRun run, CancellationToken ct) =>
            TypedResults.Ok(await run.RunAsync($"admin {user.Identity!.Name}", ct)));
        admin.MapPost("/{versionId:long}/approve", ApproveAsync);
        admin.MapPost("/{versionId:long}/reject", async (long versionId, ThresholdStore store, CancellationToken ct) =>
            await store.RejectAsync(versionId, ct) ? Results.NoContent() : NotPending(versionId));
        admin.MapPost("/{versionId:long}/rollback", RollbackAsync);
        admin.MapPost("/pin", async (PinRequest body, ThresholdStore store, CancellationToken ct) =>
            await store.PinAsync(body.Detector ?? "", body.Model ?? "", body.Route ?? "", body.Pinned, ct)
                ? Results.NoContent()
                : TypedResults.Problem(statusCode: 404, title: "Nothing to pin", detail: "That detector has no active threshold version on that stream."));
        return app;
    }

    private static async Task<Ok<ThresholdsResponse>> GetAsync(ThresholdStore store, DetectorRegistry detectors, CancellationToken ct) =>
        TypedResults.Ok(new ThresholdsResponse(
            detectors.Detectors.ToDictionary(d => d.Name, d => d.DefaultThreshold),
            await store.ActiveAsync(ct),
            await store.HistoryAsync(200, ct)));

    private static async Task<Results<Ok<ThresholdVersion>, ProblemHttpResult>> SetAsync(
        SetThresholdRequest body, ClaimsPrincipal user, DetectorRegistry detectors, ThresholdStore store, CalibrationRun run, CancellationToken ct)
    {
        if (detectors.Detectors.All(d => d.Name != body.Detector))
            return TypedResults.Problem(statusCode: 400, title: "Unknown detector", detail: $"Known detectors: {string.Join(", ", detectors.Detectors.Select(d => d.Name))}.");
        if (string.IsNullOrWhiteSpace(body.Model) || string.IsNullOrWhiteSpace(body.Route))
            return TypedResults.Problem(statusCode: 400, title: "Stream required", detail: "Give the stream's model and route.");
        if (body.Threshold is not { } threshold || !double.IsFinite(threshold))
            return TypedResults.Problem(statusCode: 400, title: "Threshold required", detail: "threshold must be a finite number.");
        var version = await store.ActivateAsync(new NewThresholdVersion(body.Detector!, body.Model!, body.Route!, threshold,
            $"admin {user.Identity!.Name}", string.IsNullOrWhiteSpace(body.Reason) ? "Set by hand." : body.Reason!), ct);
        await run.AnnounceAsync(version, ct);
        return TypedResults.Ok(version);
    }

    private static async Task<Results<Ok<ThresholdVersion>, ProblemHttpResult>> ApproveAsync(
        long versionId, ClaimsPrincipal user, ThresholdStore store, CalibrationRun run, CancellationToken ct)
    {
        var version = await store.ApproveAsync(versionId, user.Identity!.Name!, ct);
        if (version is null)
            return NotPending(versionId);
        await run.AnnounceAsync(version, ct);
        return TypedResults.Ok(version);
    }

    private static async Task<Results<Ok<ThresholdVersion>, ProblemHttpResult>> RollbackAsync(
        long versionId, ClaimsPrincipal user, ThresholdStore store, CalibrationRun run, CancellationToken ct)
    {
        var old = await store.FindAsync(versionId, ct);
        if (old is null)
            return TypedResults.Problem(statusCode: 404, title: "No such version", detail: $"There is no threshold version {versionId}.");
        var version = await store.ActivateAsync(new NewThresholdVersion(old.Detector, old.Model, old.Route, old.Threshold,
            $"admin {user.Identity!.Name}", $"Rolled back to version {versionId}."), ct);
        await run.AnnounceAsync(version, ct);
        return TypedResults.Ok(version);
    }

    private static ProblemHttpResult NotPending(long versionId) =>
        TypedResults.Problem(statusCode: 404, title: "No such proposal", detail: $"Version {versionId} is not a pending proposal.");
}
