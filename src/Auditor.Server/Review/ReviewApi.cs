using System.Security.Claims;
using System.Text.Json;
using Auditor.Review.Estimation;
using Auditor.Server.Samples;
using Auditor.Storage.Review;
using Auditor.Storage.Samples;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Review;

/// <summary>Body of POST /api/v1/review/{itemId}/verdict.</summary>
public sealed record VerdictRequest(string? Verdict, string? Category, string? Note);

/// <summary>Answer of POST /api/v1/review/undo: the item handed back to the caller (claim returns it next).</summary>
public sealed record UndoResponse(long ItemId);

/// <summary>Answer of POST /api/v1/review/claim. In blind mode the sample comes without detector results.</summary>
public sealed record ClaimResponse(long ItemId, DateTimeOffset LeaseExpiresAt, string Stratum, bool Blind, SampleDetails Sample);

public static class ReviewApi
{
    public static IEndpointRouteBuilder MapReviewApi(this IEndpointRouteBuilder app)
    {
        var review = app.MapGroup("/api/v1/review").AddEndpointFilter<CookieCsrfFilter>();
        review.MapPost("/claim", ClaimAsync).WithName("ClaimReviewItem");
        review.MapPost("/{itemId:long}/verdict", VerdictAsync).WithName("SaveVerdict");
        review.MapPost("/undo", UndoAsync).WithName("UndoVerdict");
        review.MapGet("/agreement", AgreementAsync).WithName("ReviewerAgreement");
        return app;
    }

    /// <summary>
    /// POST /api/v1/review/claim. The answer is serialised here, before it is sent: should it fail, the lease just taken is
    /// given back, so one item that cannot be shown never blocks the queue for everyone after it.
    /// </summary>
    private static async Task<IResult> ClaimAsync(string? model, string? route, ClaimsPrincipal user, ReviewQueue queue, SampleReader samples,
        ReviewSettings settings, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var me = user.Identity!.Name!;
        var item = await queue.ClaimAsync(me, settings.Lease, model, route, ct);
        if (item is null)
            return TypedResults.NoContent();
        try
        {
            var stored = await samples.GetAsync(item.SampleId, ct)
                ?? throw new InvalidOperationException($"Review item {item.ItemId} has no stored sample '{item.SampleId}'.");
            var details = SampleDetails.From(stored);
            var blind = settings.IsBlind(item.Stratum);
            if (blind)
                details = details.Blinded(me);
            var body = JsonSerializer.SerializeToUtf8Bytes(new ClaimResponse(item.ItemId, item.LeaseExpiresAt, item.Stratum, blind, details),
                json.Value.SerializerOptions);
            return TypedResults.Bytes(body, "application/json; charset=utf-8");
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            await queue.ReleaseAsync(item.ItemId, me, CancellationToken.None);
            throw;
        }
    }

    /// <summary>
    /// POST /api/v1/review/undo: takes back the caller's latest verdict (within the undo window) and hands its item back
    /// to them; the next claim returns it.
    /// </summary>
    private static async Task<Results<Ok<UndoResponse>, ProblemHttpResult>> UndoAsync(ClaimsPrincipal user, ReviewQueue queue, ReviewSettings settings, CancellationToken ct)
    {
        var itemId = await queue.UndoLastVerdictAsync(user.Identity!.Name!, settings.UndoWindow, settings.Lease, ct);
        return itemId is { } id
            ? TypedResults.Ok(new UndoResponse(id))
            : TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Nothing to undo",
                detail: $"No verdict of yours in the last {settings.UndoWindow.TotalMinutes:0} minutes, or another reviewer holds that item now.");
    }

    /// <summary>GET /api/v1/review/agreement: Cohen's kappa per reviewer pair and overall, from double-reviewed items.</summary>
    private static async Task<Ok<ReviewerAgreement>> AgreementAsync(ReviewQueue queue, CancellationToken ct)
    {
        var verdicts = (await queue.SharedVerdictsAsync(ct)).Select(v => new ReviewerVerdict(v.SampleId, v.Reviewer, v.Verdict switch
        {
            Verdicts.Ok => ReviewVerdict.Ok,
            Verdicts.Failure => ReviewVerdict.Failure,
            _ => ReviewVerdict.Unsure,
        }));
        return TypedResults.Ok(ReviewerAgreementEstimator.Estimate(verdicts));
    }

    private static async Task<Results<Ok<IReadOnlyList<VerdictView>>, ProblemHttpResult>> VerdictAsync(
        long itemId, VerdictRequest body, ClaimsPrincipal user, ReviewQueue queue, ReviewSettings settings, CancellationToken ct)
    {
        var verdict = body.Verdict ?? "";
        var category = string.IsNullOrWhiteSpace(body.Category) ? null : body.Category;
        if (Verdicts.Problem(verdict, category) is { } problem)
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid verdict", detail: problem);
        if (body.Note is { Length: > 4000 })
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid verdict", detail: "The note is longer than 4000 characters.");
        var held = await queue.HeldByAsync(itemId, user.Identity!.Name!, ct);
        var result = await queue.SaveVerdictAsync(itemId, user.Identity!.Name!, verdict, category, body.Note, held is not null && settings.IsBlind(held.Stratum), ct);
        return result switch
        {
            SaveVerdictResult.Saved => TypedResults.Ok(await queue.VerdictsAsync(itemId, ct)),
            SaveVerdictResult.NotFound => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such review item", detail: $"There is no review item {itemId}."),
            SaveVerdictResult.AlreadyReviewed => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Already reviewed", detail: "You already gave a verdict on this item."),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not your item",
                detail: "You do not hold this item: claim it first (its lease may have expired and another reviewer taken it)."),
        };
    }
}
