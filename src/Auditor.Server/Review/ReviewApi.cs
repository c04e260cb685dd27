using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Auditor.Review.Estimation;
using Auditor.Server.Samples;
using Auditor.Storage.Accounts;
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

/// <summary>
/// Answer of POST /api/v1/review/claim. In blind mode the sample comes without detector results. <paramref name="Resumed"/>:
/// the caller already held this item (a claim never hands out a second one); <paramref name="ReleasedItemId"/>: an item
/// the caller held outside the requested scope, given back; <paramref name="SecondReview"/>: another reviewer has judged
/// it and it waits for a second verdict; <paramref name="Progress"/>: items left for the caller in the scope, of all in it.
/// </summary>
public sealed record ClaimResponse(long ItemId, DateTimeOffset LeaseExpiresAt, string Stratum, bool Blind, SampleDetails Sample,
    bool Resumed, long? ReleasedItemId, bool SecondReview, ScopeProgress Progress);

/// <summary>Answer of POST /api/v1/review/{itemId}/skip.</summary>
public sealed record SkipResponse(long ItemId);

/// <summary>Body and answer of /api/v1/review/preferences: the caller's review options, kept with their account.</summary>
public sealed record ReviewPreferencesBody(bool? OneKeyReview);

public static class ReviewApi
{
    public static IEndpointRouteBuilder MapReviewApi(this IEndpointRouteBuilder app)
    {
        var review = app.MapGroup("/api/v1/review").AddEndpointFilter<CookieCsrfFilter>();
        review.MapPost("/claim", ClaimAsync).WithName("ClaimReviewItem");
        review.MapPost("/{itemId:long}/verdict", VerdictAsync).WithName("SaveVerdict");
        review.MapPost("/undo", UndoAsync).WithName("UndoVerdict");
        review.MapPost("/{itemId:long}/skip", SkipAsync).WithName("SkipReviewItem");
        review.MapGet("/preferences", GetPreferencesAsync).WithName("ReviewPreferences");
        review.MapPut("/preferences", SetPreferencesAsync).WithName("SetReviewPreferences");
        review.MapGet("/agreement", AgreementAsync).WithName("ReviewerAgreement");
        return app;
    }

    /// <summary>
    /// POST /api/v1/review/claim?model=&amp;route=&amp;stratum=&amp;deployment=&amp;incident=: an item of that scope (every
    /// parameter optional; see <see cref="ReviewQueue.ClaimInScopeAsync"/> for the order). The answer is serialised here,
    /// before it is sent: should it fail, the lease just taken is given back, so one item that cannot be shown never blocks
    /// the queue for everyone after it.
    /// </summary>
    private static async Task<IResult> ClaimAsync(string? model, string? route, string? stratum, string? deployment, string? incident,
        ClaimsPrincipal user, ReviewQueue queue, SampleReader samples, ReviewSettings settings, IOptions<JsonOptions> json, CancellationToken ct)
    {
        long? incidentId = null;
        if (!string.IsNullOrEmpty(incident))
        {
            if (!long.TryParse(incident, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                return InvalidScope("incident must be a positive incident number.");
            incidentId = id;
        }
        var scope = ReviewScope.Of(model, route, stratum, deployment, incidentId);
        if (scope.Problem() is { } problem)
            return InvalidScope(problem);
        var me = user.Identity!.Name!;
        var outcome = await queue.ClaimInScopeAsync(me, settings.Lease, scope, ct);
        if (outcome.Item is not { } item)
            return TypedResults.NoContent();
        try
        {
            var stored = await samples.GetAsync(item.SampleId, ct)
                ?? throw new InvalidOperationException($"Review item {item.ItemId} has no stored sample '{item.SampleId}'.");
            var details = SampleDetails.From(stored);
            var blind = settings.IsBlind(item.Stratum);
            if (blind)
                details = details.Blinded(me);
            var secondReview = (await queue.VerdictsAsync(item.ItemId, ct)).Any(v => v.Reviewer != me);
            var progress = await queue.ProgressAsync(me, scope, ct);
            var body = JsonSerializer.SerializeToUtf8Bytes(new ClaimResponse(item.ItemId, item.LeaseExpiresAt, item.Stratum, blind, details,
                outcome.Resumed, outcome.ReleasedItemId, secondReview, progress), json.Value.SerializerOptions);
            return TypedResults.Bytes(body, "application/json; charset=utf-8");
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            await queue.ReleaseAsync(item.ItemId, me, CancellationToken.None);
            throw;
        }
    }

    private static ProblemHttpResult InvalidScope(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid review scope", detail: detail);

    /// <summary>
    /// POST /api/v1/review/{itemId}/skip: gives the item back (if the caller holds it) and puts it last in the caller's
    /// own order; it stays in the queue for everyone else as before.
    /// </summary>
    private static async Task<Results<Ok<SkipResponse>, ProblemHttpResult>> SkipAsync(long itemId, ClaimsPrincipal user, ReviewQueue queue, CancellationToken ct) =>
        await queue.SkipAsync(itemId, user.Identity!.Name!, ct)
            ? TypedResults.Ok(new SkipResponse(itemId))
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such review item", detail: $"There is no review item {itemId}.");

    private static async Task<Ok<ReviewPreferencesBody>> GetPreferencesAsync(ClaimsPrincipal user, ReviewerPreferences preferences, CancellationToken ct) =>
        TypedResults.Ok(new ReviewPreferencesBody(await preferences.OneKeyReviewAsync(user.Identity!.Name!, ct)));

    /// <summary>PUT /api/v1/review/preferences {oneKeyReview}: switches one-key review on or off for the caller's account.</summary>
    private static async Task<Results<Ok<ReviewPreferencesBody>, ProblemHttpResult>> SetPreferencesAsync(ReviewPreferencesBody body, ClaimsPrincipal user,
        ReviewerPreferences preferences, CancellationToken ct)
    {
        if (body.OneKeyReview is not { } oneKey)
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid preferences", detail: "oneKeyReview (true or false) is required.");
        await preferences.SetOneKeyReviewAsync(user.Identity!.Name!, oneKey, ct);
        return TypedResults.Ok(new ReviewPreferencesBody(oneKey));
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

    /// <summary>
    /// GET /api/v1/review/agreement: Cohen's kappa per reviewer pair and overall, from double-reviewed items, all time: the
    /// weekly agreement tallies summed in the database (one read of reviewer pairs x verdicts, not of every verdict).
    /// </summary>
    private static async Task<Ok<ReviewerAgreement>> AgreementAsync(ReviewQueue queue, CancellationToken ct) =>
        TypedResults.Ok(ReviewerAgreementEstimator.Estimate(await queue.AgreementPairsAsync(ct)));

    /// <summary>POST /api/v1/review/{itemId}/verdict, through the one <see cref="VerdictHandler"/> the item page uses too.</summary>
    private static async Task<Results<Ok<IReadOnlyList<VerdictView>>, ProblemHttpResult>> VerdictAsync(
        long itemId, VerdictRequest body, ClaimsPrincipal user, VerdictHandler handler, CancellationToken ct)
    {
        var outcome = await handler.SaveAsync(itemId, user.Identity!.Name!, body.Verdict, body.Category, body.Note, ct);
        if (outcome.Problem is { } problem)
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid verdict", detail: problem);
        return outcome.Result switch
        {
            SaveVerdictResult.Saved => TypedResults.Ok(outcome.Verdicts),
            SaveVerdictResult.NotFound => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such review item", detail: $"There is no review item {itemId}."),
            SaveVerdictResult.AlreadyReviewed => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Already reviewed", detail: "You already gave a verdict on this item."),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not your item",
                detail: "You do not hold this item: claim it first (its lease may have expired and another reviewer taken it)."),
        };
    }
}
