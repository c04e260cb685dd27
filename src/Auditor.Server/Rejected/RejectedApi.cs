using Auditor.Contracts;
using Auditor.Server.Accounts;
using Auditor.Server.Review;
using Auditor.Server.Web;
using Auditor.Storage.Rejected;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Auditor.Server.Rejected;

/// <summary>
/// One kept rejection as the API shows it. <paramref name="Payload"/> is the payload exactly as kept: UTF-8 text, or
/// base64 of the received bytes when <paramref name="PayloadEncoding"/> is "base64" (else "utf8").
/// </summary>
public sealed record RejectedView(long Id, DateTimeOffset ReceivedAt, string Source, string? SampleId, IReadOnlyList<ContractViolation> Errors,
    string Payload, string PayloadEncoding)
{
    public static RejectedView From(RejectedRecord r) =>
        new(r.Id, r.ReceivedAt, r.Source, r.SampleId, r.Errors, r.Payload.Stored, r.Payload.Encoding);
}

/// <summary>A page of kept rejections, newest first; <paramref name="Next"/> is the `before` value of the next page (null at the end).</summary>
public sealed record RejectedPage(IReadOnlyList<RejectedView> Items, long? Next);

public static class RejectedApi
{
    /// <summary>
    /// Admins only: GET /api/v1/rejected (source, rule, from, to, before, limit), GET /api/v1/rejected/{id},
    /// POST /api/v1/rejected/{id}/replay.
    /// </summary>
    public static IEndpointRouteBuilder MapRejectedApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/v1/rejected").RequireAuthorization(AccountsRegistration.AdminPolicy);
        admin.MapGet("", ListAsync).WithName("ListRejected");
        admin.MapGet("/{id:long}", async Task<Results<Ok<RejectedView>, ProblemHttpResult>> (long id, RejectedSampleReader reader, CancellationToken ct) =>
            await reader.GetAsync(id, ct) is { } r ? TypedResults.Ok(RejectedView.From(r)) : NotFound(id)).WithName("GetRejected");
        admin.MapPost("/{id:long}/replay", async Task<Results<Ok<ReplayResult>, ProblemHttpResult>> (long id, RejectedReplay replay, CancellationToken ct) =>
            await replay.ReplayAsync(id, ct) is { } result ? TypedResults.Ok(result) : NotFound(id))
            .AddEndpointFilter<CookieCsrfFilter>().WithName("ReplayRejected");
        return app;
    }

    private static async Task<Results<Ok<RejectedPage>, ProblemHttpResult>> ListAsync(
        string? source, string? rule, string? from, string? to, long? before, int? limit, RejectedSampleReader reader, CancellationToken ct)
    {
        if (!TimeRange.TryParse(from, to, out var start, out var end))
            return TypedResults.Problem(statusCode: 400, title: "Bad time", detail: "from and to must be times such as 2026-11-24T10:00:00Z.");
        var size = Math.Clamp(limit ?? 50, 1, 200);
        var items = await reader.FindAsync(new RejectedQuery(Blank(source), Blank(rule), start, end, before, size), ct);
        return TypedResults.Ok(new RejectedPage(items.Select(RejectedView.From).ToList(), items.Count == size ? items[^1].Id : null));
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static ProblemHttpResult NotFound(long id) =>
        TypedResults.Problem(statusCode: 404, title: "No such rejected payload", detail: $"There is no rejected payload {id}.");
}
