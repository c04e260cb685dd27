using Auditor.Server.Accounts;
using Auditor.Storage.Review;
using Microsoft.AspNetCore.Http.HttpResults;
using System.Security.Claims;

namespace Auditor.Server.Review;

/// <summary>Body of POST /api/v1/review/gold: the known verdict of a stored sample.</summary>
public sealed record AddGoldRequest(string? SampleId, string? Verdict, string? Category);

/// <summary>
/// Gold items (admin only): POST /api/v1/review/gold records a sample's known verdict (201 new, 200 replaced, 404 unknown
/// sample, 400 a bad verdict); GET lists the latest 500. Reviewers meet gold samples through their ordinary review items
/// and never see the gold verdict; the weekly report measures each reviewer against it.
/// </summary>
public static class GoldApi
{
    public static IEndpointRouteBuilder MapGoldApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/v1/review/gold").RequireAuthorization(AccountsRegistration.AdminPolicy).AddEndpointFilter<CookieCsrfFilter>();
        admin.MapPost("/", AddAsync).WithName("AddGoldItem");
        admin.MapGet("/", async (GoldItems gold, CancellationToken ct) => TypedResults.Ok(await gold.ListAsync(500, ct)));
        return app;
    }

    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++;
            else if (char.IsSurrogate(text[i]))
                return true;
        }
        return false;
    }

    private static async Task<Results<Created<GoldItem>, Ok<GoldItem>, ProblemHttpResult>> AddAsync(
        AddGoldRequest body, ClaimsPrincipal user, GoldItems gold, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.SampleId) || body.SampleId.Length > 200)
            return TypedResults.Problem(statusCode: 400, title: "Invalid gold item", detail: "sampleId is required (at most 200 characters).");
        if (body.SampleId.Any(char.IsControl) || HasLoneSurrogate(body.SampleId))
            return TypedResults.Problem(statusCode: 400, title: "Invalid gold item", detail: "sampleId holds a control character or a lone surrogate; no stored sample id does.");
        var verdict = body.Verdict ?? "";
        if (verdict == Verdicts.Unsure)
            return TypedResults.Problem(statusCode: 400, title: "Invalid gold item", detail: "A gold verdict is ok or failure: the point of a gold item is that its answer is known.");
        if (Verdicts.Problem(verdict, body.Category) is { } problem)
            return TypedResults.Problem(statusCode: 400, title: "Invalid gold item", detail: problem);
        var by = user.Identity!.Name!;
        var result = await gold.AddAsync(body.SampleId, verdict, body.Category, by, ct);
        if (result == AddGoldResult.UnknownSample)
            return TypedResults.Problem(statusCode: 404, title: "Unknown sample", detail: "No stored sample has that id; a gold item must be a sample reviewers can meet.");
        var item = (await gold.ListAsync(500, ct)).First(g => g.SampleId == body.SampleId);
        return result == AddGoldResult.Added ? TypedResults.Created($"/api/v1/review/gold", item) : TypedResults.Ok(item);
    }
}
