using System.Text.Json;
using Auditor.Contracts;
using Auditor.Detection;
using Dapper;

namespace Auditor.Storage.Samples;

/// <summary>Reads stored samples back, with their detector results and review item.</summary>
public sealed class SampleReader(AuditorDatabase database)
{
    private const string SampleSql = """
        SELECT sample_id AS SampleId, model AS Model, route AS Route, deployment AS Deployment, occurred_at AS OccurredAt,
               received_at AS ReceivedAt, prompt AS Prompt, output AS Output, output_captured AS OutputCaptured, finish_reason AS FinishReason,
               prompt_tokens AS PromptTokens, completion_tokens AS CompletionTokens, max_tokens AS MaxTokens,
               latency_ms AS LatencyMs, ttft_ms AS TtftMs, sampling_rate AS SamplingRate, CAST(params AS text) AS Params,
               CAST(attributes AS text) AS Attributes, flagged AS Flagged, CAST(features AS text) AS Features
        FROM samples WHERE sample_id = @sampleId
        """;
    private const string ResultsSql = """
        SELECT detector AS Detector, score AS Score, threshold AS Threshold, flagged AS Flagged, abstained AS Abstained,
               CAST(evidence AS text) AS Evidence, explanation AS Explanation
        FROM detector_results WHERE sample_id = @sampleId ORDER BY detector
        """;
    private const string ReviewSql = """
        SELECT item_id AS ItemId, stratum AS Stratum, inclusion_probability AS InclusionProbability, state AS State,
               reviews_required AS ReviewsRequired, created_at AS CreatedAt
        FROM review_items WHERE sample_id = @sampleId
        """;

    internal const string VerdictsSql = """
        SELECT verdict_id AS VerdictId, reviewer AS Reviewer, verdict AS Verdict, category AS Category, note AS Note, blind AS Blind, created_at AS CreatedAt
        FROM verdicts WHERE item_id = @ItemId AND retracted_at IS NULL ORDER BY created_at
        """;

    public async Task<StoredSampleView?> GetAsync(string sampleId, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<SampleRow>(new CommandDefinition(SampleSql, new { sampleId }, cancellationToken: ct));
        if (row is null)
            return null;
        var results = await c.QueryAsync<ResultRow>(new CommandDefinition(ResultsSql, new { sampleId }, cancellationToken: ct));
        var review = await c.QuerySingleOrDefaultAsync<ReviewRow>(new CommandDefinition(ReviewSql, new { sampleId }, cancellationToken: ct));
        var verdicts = review is null ? [] : (await c.QueryAsync<Review.ReviewQueue.VerdictRow>(new CommandDefinition(VerdictsSql,
            new { review.ItemId }, cancellationToken: ct))).Select(v => v.ToView()).ToList();
        return new StoredSampleView(
            row.ToSample(),
            row.ReceivedAt,
            row.Flagged,
            results.Select(r => r.ToResult()).ToList(),
            review is null ? null : new ReviewItemView(review.ItemId, review.Stratum, review.InclusionProbability, review.State,
                review.ReviewsRequired, review.CreatedAt, verdicts),
            JsonSerializer.Deserialize<JsonElement>(row.Features));
    }

    /// <summary>Whether a sample id was counted (stored or not): the dedupe table remembers it for the contract's window.</summary>
    public async Task<bool> WasCountedAsync(string sampleId, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM sample_ids WHERE sample_id = @sampleId", new { sampleId }, cancellationToken: ct)) > 0;
    }

    private sealed class SampleRow
    {
        public string SampleId { get; set; } = "";
        public string Model { get; set; } = "";
        public string Route { get; set; } = "";
        public string? Deployment { get; set; }
        public DateTimeOffset OccurredAt { get; set; }
        public DateTimeOffset ReceivedAt { get; set; }
        public string? Prompt { get; set; }
        public string Output { get; set; } = "";
        public bool OutputCaptured { get; set; } = true;
        public string? FinishReason { get; set; }
        public int? PromptTokens { get; set; }
        public int? CompletionTokens { get; set; }
        public int? MaxTokens { get; set; }
        public double? LatencyMs { get; set; }
        public double? TtftMs { get; set; }
        public double SamplingRate { get; set; }
        public string? Params { get; set; }
        public string? Attributes { get; set; }
        public bool Flagged { get; set; }
        public string Features { get; set; } = "{}";

        public OutputSample ToSample() => new()
        {
            SampleId = SampleId, OccurredAt = OccurredAt, Model = Model, Route = Route, Deployment = Deployment,
            Prompt = Prompt, Output = OutputCaptured ? Output : null, OutputCaptured = OutputCaptured ? null : false, FinishReason = FinishReason, PromptTokens = PromptTokens,
            CompletionTokens = CompletionTokens, MaxTokens = MaxTokens, LatencyMs = LatencyMs, TimeToFirstTokenMs = TtftMs,
            SamplingRate = SamplingRate,
            Params = Params is null ? null : JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Params, SampleBatchWriter.Json),
            Attributes = Attributes is null ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(Attributes, SampleBatchWriter.Json),
        };
    }

    private sealed class ResultRow
    {
        public string Detector { get; set; } = "";
        public double Score { get; set; }
        public double Threshold { get; set; }
        public bool Flagged { get; set; }
        public bool Abstained { get; set; }
        public string Evidence { get; set; } = "[]";
        public string Explanation { get; set; } = "";

        public DetectorResult ToResult() => new(Detector, Score, Threshold, Flagged,
            JsonSerializer.Deserialize<List<EvidenceSpan>>(Evidence, SampleBatchWriter.Json) ?? [], Explanation, Abstained);
    }

    private sealed class ReviewRow
    {
        public long ItemId { get; set; }
        public string Stratum { get; set; } = "";
        public double InclusionProbability { get; set; }
        public string State { get; set; } = "";
        public int ReviewsRequired { get; set; }
        public DateTimeOffset CreatedAt { get; set; }
    }
}
