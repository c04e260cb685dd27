using System.Text.Json;

namespace Auditor.Contracts;

/// <summary>
/// One sampled model output, as published by a gateway, service or log shipper (wire contract v1).
/// Serialized as a camelCase JSON object; see <c>schema/output-sample.v1.json</c> and docs/contract.md.
/// </summary>
/// <remarks>
/// Every member is settable and optional at the type level so that a malformed message can still be read
/// and rejected with the list of rules it breaks (<see cref="OutputSampleValidator"/>), rather than
/// failing to deserialize with only the first problem.
/// </remarks>
public sealed record OutputSample
{
    /// <summary>Contract version; absent means 1, the only version this server accepts.</summary>
    public int? SchemaVersion { get; init; }

    /// <summary>Required, 1 to 128 characters: the idempotency key (a UUID or ULID). A sample id is counted once.</summary>
    public string? SampleId { get; init; }

    /// <summary>Required: when the model produced the output. At most 5 minutes ahead of the server clock, at most 30 days old.</summary>
    public DateTimeOffset? OccurredAt { get; init; }

    /// <summary>Required, 1 to 200 characters: the model name as served.</summary>
    public string? Model { get; init; }

    /// <summary>Required, 1 to 200 characters: the endpoint, feature or prompt-template id. (model, route) is a stream.</summary>
    public string? Route { get; init; }

    /// <summary>Optional, at most 200 characters: replica, cluster, quantization or version ("h200-fp8").</summary>
    public string? Deployment { get; init; }

    /// <summary>Optional prompt text; the publisher may truncate it.</summary>
    public string? Prompt { get; init; }

    /// <summary>
    /// Required, may be empty: the model's output. An empty output is a failure signal, not bad input.
    /// Absent (and only then) when <see cref="OutputCaptured"/> is false.
    /// </summary>
    public string? Output { get; init; }

    /// <summary>
    /// Optional, absent means true. False says the publisher did not capture the output text (a trace span without
    /// content, a log without the text): <see cref="Output"/> is then absent, the sample is counted in volume and judged
    /// on its metadata (finish reason, tokens) only. An absent output is not an empty one.
    /// </summary>
    public bool? OutputCaptured { get; init; }

    /// <summary>Optional: one of stop, length, content_filter, tool_calls, error, other.</summary>
    public string? FinishReason { get; init; }

    /// <summary>Optional token count of the prompt, at least 0.</summary>
    public int? PromptTokens { get; init; }

    /// <summary>Optional token count of the output, at least 0.</summary>
    public int? CompletionTokens { get; init; }

    /// <summary>Optional generation limit the request set (max_tokens), at least 0.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Optional end-to-end latency in milliseconds, at least 0.</summary>
    public double? LatencyMs { get; init; }

    /// <summary>Optional time to first token in milliseconds, at least 0.</summary>
    public double? TimeToFirstTokenMs { get; init; }

    /// <summary>The publisher's head-sampling rate, 0 &lt; r &lt;= 1; absent means 1. Volumes are scaled by 1/r.</summary>
    public double? SamplingRate { get; init; }

    /// <summary>Optional decoding parameters (temperature, top_p, ...), kept as given.</summary>
    public Dictionary<string, JsonElement>? Params { get; init; }

    /// <summary>Optional string attributes: at most 64 entries, keys at most 100 characters, values at most 1000.</summary>
    public Dictionary<string, string>? Attributes { get; init; }

    /// <summary>Whether the output text is present to judge (<see cref="OutputCaptured"/> with its default applied).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool HasOutputText => OutputCaptured != false;

    /// <summary>The sampling rate with its default applied.</summary>
    public double EffectiveSamplingRate => SamplingRate ?? 1.0;
}
