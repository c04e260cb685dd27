using System.Security.Claims;
using System.Text.Json;
using Auditor.Detection;
using Auditor.Server.Review;
using Auditor.Server.Store;
using Auditor.Storage.Rejected;
using Auditor.Storage.Samples;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Samples;

/// <summary>
/// GET /api/v1/samples/{sampleId}: the contract fields, what each detector said, features and the review item. While
/// the sample is blind to the caller (<see cref="Blind"/>: a uniform item they may still judge), <see cref="Flagged"/>
/// and <see cref="Features"/> are null, <see cref="DetectorResults"/> is empty and the review item lists no other
/// reviewer's verdict.
/// </summary>
public sealed record SampleDetails(
    string SampleId, DateTimeOffset OccurredAt, string Model, string Route, string? Deployment, string? Prompt, string? Output,
    bool OutputCaptured, string? FinishReason, int? PromptTokens, int? CompletionTokens, int? MaxTokens, double? LatencyMs, double? TimeToFirstTokenMs,
    double SamplingRate, Dictionary<string, JsonElement>? Params, Dictionary<string, string>? Attributes,
    DateTimeOffset ReceivedAt, bool? Flagged, IReadOnlyList<DetectorResult> DetectorResults, JsonElement? Features, ReviewItemView? ReviewItem,
    bool Blind = false)
{
    public static SampleDetails From(StoredSampleView v) => new(
        v.Sample.SampleId!, v.Sample.OccurredAt!.Value, v.Sample.Model!, v.Sample.Route!, v.Sample.Deployment, v.Sample.Prompt, v.Sample.Output,
        v.Sample.HasOutputText, v.Sample.FinishReason, v.Sample.PromptTokens, v.Sample.CompletionTokens, v.Sample.MaxTokens, v.Sample.LatencyMs,
        v.Sample.TimeToFirstTokenMs, v.Sample.EffectiveSamplingRate, v.Sample.Params, v.Sample.Attributes,
        v.ReceivedAt, v.Flagged, v.DetectorResults, v.Features, v.ReviewItem);

    /// <summary>The same sample with what the detectors said left out, for a viewer who must judge it blind.</summary>
    public SampleDetails Blinded(string? viewer) => this with
    {
        Flagged = null, DetectorResults = [], Features = null, Blind = true,
        ReviewItem = ReviewItem is null ? null : ReviewItem with { Verdicts = ReviewItem.Verdicts.Where(v => v.Reviewer == viewer).ToList() },
    };
}

/// <summary>The query values of GET /api/v1/samples (search); every one optional.</summary>
public sealed record SampleFilterQuery(string? Model, string? Route, string? Deployment, string? Detector, string? Stratum, string? Verdict,
    string? From, string? To, string? Q, string? Offset, string? Limit)
{
    /// <summary>The filter; an offset or limit that is not a whole number becomes -1, which the filter's check names.</summary>
    public SampleFilter ToFilter() => new(Model, Route, Deployment, Detector, Stratum, Verdict, From, To, Q, Number(Offset, 0), Number(Limit, SampleFilter.DefaultLimit));

    private static int Number(string? text, int absent) =>
        string.IsNullOrEmpty(text) ? absent : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : -1;
}

/// <summary>One page of GET /api/v1/samples: <see cref="Total"/> rows match; these are rows Offset+1 to Offset+Items.Count.</summary>
public sealed record SampleSearchResult(long Total, int Offset, int Limit, IReadOnlyList<SampleSearchRow> Items);

/// <summary>
/// One search row. <see cref="Snippet"/> is plain text around the first match of q (else the first evidence, else the
/// start), cut at word boundaries; null when the publisher did not capture the output. While <see cref="Blind"/>,
/// Flagged, FlaggedBy and Verdict are left out.
/// </summary>
public sealed record SampleSearchRow(string SampleId, DateTimeOffset OccurredAt, string Model, string Route, string? Deployment, bool? Flagged,
    IReadOnlyList<string> FlaggedBy, string? Stratum, long? ItemId, string? Verdict, bool Blind, string? Snippet, string Link);

public static class SampleEndpoints
{
    /// <summary>
    /// GET /api/v1/samples/{sampleId} reads one stored sample. The id is the rest of the path, so an id holding '/' may be
    /// sent as it is or percent-encoded (%2F); GET /api/v1/samples?sampleId=... takes any id exactly (use it for an id
    /// that holds the text "%2F" itself). Both need a user (login cookie or HTTP Basic: the fallback policy).
    /// </summary>
    public static IEndpointRouteBuilder MapSampleReads(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/samples/{**sampleId}", (string? sampleId, ClaimsPrincipal user, SampleReader reader, RejectedSampleReader rejected,
                ReviewSettings settings, IOptionsMonitor<RetentionOptions> retention, CancellationToken ct) => GetAsync(SampleIdInPath.Decode(sampleId), user, reader, rejected, settings, retention, ct))
            .WithName("GetSample");
        app.MapGet("/api/v1/samples", async Task<IResult> (string? sampleId, [AsParameters] SampleFilterQuery filter, ClaimsPrincipal user,
                SampleReader reader, RejectedSampleReader rejected, SampleSearch search, DetectorRegistry detectors, ReviewSettings settings,
                IOptionsMonitor<RetentionOptions> retention, CancellationToken ct) => sampleId is null
                ? await SearchAsync(filter.ToFilter(), user, search, detectors, settings, ct)
                : await GetAsync(sampleId, user, reader, rejected, settings, retention, ct))
            .WithName("GetSampleByQuery");
        return app;
    }

    /// <summary>
    /// GET /api/v1/samples without sampleId: stored samples, newest first, a page at a time, narrowed by the same filters
    /// as the samples page (docs/contract.md). Rows blind to the caller show no detector, verdict or evidence, and a
    /// filter by detector or verdict leaves them out.
    /// </summary>
    private static async Task<IResult> SearchAsync(SampleFilter filter, ClaimsPrincipal user, SampleSearch search, DetectorRegistry detectors,
        ReviewSettings settings, CancellationToken ct)
    {
        if (filter.ToQuery(detectors, settings, user, out var problems) is not { } query)
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad search", detail: string.Join(" ", problems));
        var page = await search.FindAsync(query, ct);
        return TypedResults.Ok(new SampleSearchResult(page.Total, page.Offset, page.Limit, page.Items.Select(r =>
        {
            var blind = settings.HidesResults(r, user);
            var snippet = SampleSnippet.Of(r.Text, blind ? [] : r.Evidence ?? [], query.Text, r.OutputLength);
            return new SampleSearchRow(r.SampleId, r.OccurredAt, r.Model, r.Route, r.Deployment, blind ? null : r.Flagged, blind ? [] : r.FlaggedBy,
                r.Stratum, r.ItemId, blind ? null : r.LatestVerdict, blind, r.TextCaptured ? snippet.Plain : null, SampleIdInPath.PageLink(r.SampleId));
        }).ToList()));
    }

    private static async Task<Results<Ok<SampleDetails>, ProblemHttpResult>> GetAsync(string? sampleId, ClaimsPrincipal user,
        SampleReader reader, RejectedSampleReader rejected, ReviewSettings settings, IOptionsMonitor<RetentionOptions> retention, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(sampleId))
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "No sample id",
                detail: "Name the sample: GET /api/v1/samples/{sampleId} or GET /api/v1/samples?sampleId=...");
        var stored = await reader.GetAsync(sampleId, ct);
        if (stored is not null)
        {
            var details = SampleDetails.From(stored);
            return TypedResults.Ok(settings.HidesResults(stored.ReviewItem, user) ? details.Blinded(user.Identity?.Name) : details);
        }
        string detail;
        if (await reader.WasCountedAsync(sampleId, ct))
            detail = $"Sample '{sampleId}' was counted but its text was not kept: no detector flagged it and it was not selected for review.";
        else if (await rejected.WasRejectedAsync(sampleId, ct))
            detail = $"Sample '{sampleId}' was rejected: it broke a contract rule and is kept in rejected_samples (admins: GET /api/v1/rejected).";
        else
            detail = $"No sample '{sampleId}' has been counted that occurred in the last {retention.CurrentValue.SampleIdsDays} days "
                + "(counted ids are remembered that long): it may still be queued, it occurred earlier, or it never arrived.";
        return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Sample not stored", detail: detail);
    }
}

/// <summary>
/// A sample id taken from the rest of a URL path. The server decodes every percent-escape in a path but %2F (so a path's
/// segments stay apart); this decodes that one too, so a link built with Uri.EscapeDataString reads back the exact id.
/// </summary>
public static class SampleIdInPath
{
    public static string? Decode(string? pathValue) =>
        pathValue?.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

    /// <summary>The path of a sample's page.</summary>
    public static string PageLink(string sampleId) => "/samples/" + Uri.EscapeDataString(sampleId);
}
