using System.Text.Json;
using Auditor.Detection;
using Auditor.Storage.Samples;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Auditor.Server.Samples;

/// <summary>GET /api/v1/samples/{sampleId}: the contract fields, what each detector said, features and the review item.</summary>
public sealed record SampleDetails(
    string SampleId, DateTimeOffset OccurredAt, string Model, string Route, string? Deployment, string? Prompt, string? Output,
    bool OutputCaptured, string? FinishReason, int? PromptTokens, int? CompletionTokens, int? MaxTokens, double? LatencyMs, double? TimeToFirstTokenMs,
    double SamplingRate, Dictionary<string, JsonElement>? Params, Dictionary<string, string>? Attributes,
    DateTimeOffset ReceivedAt, bool Flagged, IReadOnlyList<DetectorResult> DetectorResults, JsonElement Features, ReviewItemView? ReviewItem)
{
    public static SampleDetails From(StoredSampleView v) => new(
        v.Sample.SampleId!, v.Sample.OccurredAt!.Value, v.Sample.Model!, v.Sample.Route!, v.Sample.Deployment, v.Sample.Prompt, v.Sample.Output,
        v.Sample.HasOutputText, v.Sample.FinishReason, v.Sample.PromptTokens, v.Sample.CompletionTokens, v.Sample.MaxTokens, v.Sample.LatencyMs,
        v.Sample.TimeToFirstTokenMs, v.Sample.EffectiveSamplingRate, v.Sample.Params, v.Sample.Attributes,
        v.ReceivedAt, v.Flagged, v.DetectorResults, v.Features, v.ReviewItem);
}

public static class SampleEndpoints
{
    public static IEndpointRouteBuilder MapSampleReads(this IEndpointRouteBuilder app)
    {
        // Needs a user (login cookie or HTTP Basic): the fallback authorization policy.
        app.MapGet("/api/v1/samples/{sampleId}", GetAsync).WithName("GetSample");
        return app;
    }

    private static async Task<Results<Ok<SampleDetails>, ProblemHttpResult>> GetAsync(string sampleId, SampleReader reader, CancellationToken ct)
    {
        var stored = await reader.GetAsync(sampleId, ct);
        if (stored is not null)
            return TypedResults.Ok(SampleDetails.From(stored));
        var detail = await reader.WasCountedAsync(sampleId, ct)
            ? $"Sample '{sampleId}' was counted but its text was not kept: no detector flagged it and it was not selected for review."
            : $"No sample '{sampleId}' has been counted. It may still be queued, or it was rejected (see rejected_samples).";
        return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Sample not stored", detail: detail);
    }
}
