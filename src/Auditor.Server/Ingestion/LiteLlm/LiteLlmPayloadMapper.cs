using System.Globalization;
using System.Text;
using System.Text.Json;
using Auditor.Contracts;

namespace Auditor.Server.Ingestion.LiteLlm;

/// <summary>
/// Maps one LiteLLM StandardLoggingPayload (what its <c>generic_api</c> callback POSTs) to an <see cref="OutputSample"/>.
/// Pure. Field names are LiteLLM's (litellm/types/utils.py): <c>id</c>, <c>model</c>, <c>model_group</c>, <c>model_id</c>,
/// <c>api_base</c>, <c>messages</c>, <c>response</c> (an OpenAI chat or text completion), <c>model_parameters</c>,
/// <c>prompt_tokens</c>, <c>completion_tokens</c>, <c>startTime</c>/<c>endTime</c>/<c>completionStartTime</c> (Unix
/// seconds), <c>stream</c>, <c>metadata</c>, <c>status</c>, <c>error_str</c>, <c>error_information</c>.
/// </summary>
/// <remarks>
/// A failed call (<c>status: failure</c>) becomes a counted sample with finishReason <c>error</c> and no output
/// (outputCaptured false), its error kept in attributes. A success whose response LiteLLM did not log (message
/// logging turned off: the text is replaced by LiteLLM's "redacted by litellm" note) is also outputCaptured false:
/// the note is not the model's answer.
/// </remarks>
public static class LiteLlmPayloadMapper
{
    /// <summary>The attribute prefix of LiteLLM facts that have no contract field.</summary>
    public const string AttributePrefix = "litellm.";

    private const string RedactedMarker = "redacted by litellm";

    /// <summary>Maps a payload; null with a violation when it is not a JSON object or a field has the wrong type.</summary>
    public static OutputSample? Map(JsonElement payload, LiteLlmOptions options, out ContractViolation? violation)
    {
        violation = null;
        if (payload.ValueKind != JsonValueKind.Object)
        {
            violation = new ContractViolation("$", "sample.object", $"a LiteLLM log record must be a JSON object; got {payload.ValueKind}.");
            return null;
        }
        var read = new FieldReader(payload);
        var failed = string.Equals(read.String("status"), "failure", StringComparison.OrdinalIgnoreCase);
        var start = read.Number("startTime");
        var end = read.Number("endTime");
        var firstToken = read.Number("completionStartTime");
        var streamed = read.Bool("stream") == true;
        var modelParameters = read.Object("model_parameters");
        var metadata = read.Object("metadata");
        var (output, finish) = failed ? (null, FinishReasons.Error) : ResponseText(read.Any("response"), ref read.Violation);
        var attributes = Attributes(ref read, failed);
        var (promptTokens, completionTokens) = (read.Int("prompt_tokens"), read.Int("completion_tokens"));
        var (id, model, modelGroup, apiBase, modelId) = (read.String("id"), read.String("model"), read.String("model_group"), read.String("api_base"), read.String("model_id"));
        if (read.Violation is not null)
        {
            violation = read.Violation;
            return null;
        }

        return new OutputSample
        {
            SampleId = id,
            OccurredAt = (end ?? start) is { } t ? FromUnixSeconds(t) : null,
            Model = NonEmpty(modelGroup) ?? model,
            Route = Route(metadata, options),
            Deployment = Deployment(apiBase, modelId),
            Prompt = PromptText(read.Any("messages")),
            Output = output,
            OutputCaptured = output is null ? false : null,
            FinishReason = finish,
            PromptTokens = promptTokens,
            CompletionTokens = completionTokens,
            MaxTokens = modelParameters is { } mp ? (IntOf(mp, "max_tokens") ?? IntOf(mp, "max_completion_tokens")) : null,
            LatencyMs = start is { } s && end is { } e ? (e - s) * 1000 : null,
            // Without streaming LiteLLM sets completionStartTime to the end: it is a time to first token only when streamed.
            TimeToFirstTokenMs = streamed && start is { } s2 && firstToken is { } f ? (f - s2) * 1000 : null,
            Params = modelParameters is { } p ? ScalarParams(p) : null,
            Attributes = attributes.Count == 0 ? null : attributes,
        };
    }

    // The first choice's text: message.content (a string or a list of text parts), a text completion's text, or, for
    // an answer that only calls tools, the tool calls as JSON (what the model generated). Null when nothing was logged.
    private static (string? Text, string? Finish) ResponseText(JsonElement? response, ref ContractViolation? violation)
    {
        switch (response)
        {
            case null:
                return (null, null);
            case { ValueKind: JsonValueKind.String } s:
                var text = s.GetString()!;
                return (text.Contains(RedactedMarker, StringComparison.Ordinal) ? null : text, null);
            case { ValueKind: JsonValueKind.Object } o:
                if (!o.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
                    return (null, null);
                var choice = choices[0];
                if (choice.ValueKind != JsonValueKind.Object)
                {
                    violation = new ContractViolation("response.choices[0]", "type", "response.choices[0] must be a JSON object.");
                    return (null, null);
                }
                var finish = choice.TryGetProperty("finish_reason", out var fr) && fr.ValueKind == JsonValueKind.String ? FinishReasons.Map(fr.GetString()) : null;
                string? output = null;
                if (choice.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object)
                {
                    output = ContentText(message.TryGetProperty("content", out var content) ? content : default);
                    if (string.IsNullOrEmpty(output) && message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array && calls.GetArrayLength() > 0)
                        output = calls.GetRawText();
                    output ??= "";
                }
                else if (choice.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
                    output = t.GetString();
                if (output is not null && output.Contains(RedactedMarker, StringComparison.Ordinal))
                    output = null;
                return (output, finish);
            default:
                return (null, null);
        }
    }

    // A message's content: a string, or the text parts of a list of content parts joined.
    private static string? ContentText(JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String)
            return content.GetString();
        if (content.ValueKind != JsonValueKind.Array)
            return null;
        var text = new StringBuilder();
        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.String)
                text.Append(part.GetString());
            else if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
                text.Append(t.GetString());
        }
        return text.ToString();
    }

    // The prompt is the last user message: what the model answered. LiteLLM logs the whole conversation.
    private static string? PromptText(JsonElement? messages)
    {
        switch (messages)
        {
            case { ValueKind: JsonValueKind.String } s:
                var text = s.GetString()!;
                return text.Contains(RedactedMarker, StringComparison.Ordinal) ? null : text;
            case { ValueKind: JsonValueKind.Array } list:
                string? last = null;
                foreach (var m in list.EnumerateArray())
                {
                    if (m.ValueKind == JsonValueKind.Object && m.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String
                        && role.GetString() == "user" && m.TryGetProperty("content", out var content))
                        last = ContentText(content) ?? last;
                }
                return last is not null && last.Contains(RedactedMarker, StringComparison.Ordinal) ? null : last;
            default:
                return null;
        }
    }

    private static string Route(JsonElement? metadata, LiteLlmOptions options)
    {
        if (metadata is { } m)
        {
            foreach (var holder in new[] { "requester_metadata", "spend_logs_metadata" })
            {
                if (m.TryGetProperty(holder, out var h) && h.ValueKind == JsonValueKind.Object
                    && h.TryGetProperty(options.RouteMetadataKey, out var r) && r.ValueKind == JsonValueKind.String && NonEmpty(r.GetString()) is { } route)
                    return route;
            }
        }
        return options.DefaultRoute;
    }

    // The serving replica: api_base's host and port (the vLLM or SGLang server LiteLLM called), else LiteLLM's deployment id.
    private static string? Deployment(string? apiBase, string? modelId)
    {
        if (NonEmpty(apiBase) is { } b && Uri.TryCreate(b, UriKind.Absolute, out var uri) && uri.Host.Length > 0)
            return uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}";
        return NonEmpty(modelId);
    }

    private static Dictionary<string, string> Attributes(ref FieldReader read, bool failed)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        void Add(string key, string? value)
        {
            if (NonEmpty(value) is { } v)
                attributes[AttributePrefix + key] = v.Length <= ContractLimits.MaxAttributeValueLength ? v : v[..(ContractLimits.MaxAttributeValueLength - 1)] + "…";
        }
        Add("call_type", read.String("call_type"));
        Add("provider", read.String("custom_llm_provider"));
        Add("model", NonEmpty(read.String("model_group")) is null ? null : read.String("model"));
        Add("model_id", read.String("model_id"));
        Add("api_base", read.String("api_base"));
        Add("trace_id", read.String("trace_id"));
        if (read.Bool("cache_hit") == true)
            Add("cache_hit", "true");
        if (failed)
        {
            Add("status", "failure");
            Add("error", read.String("error_str"));
            if (read.Object("error_information") is { } info)
            {
                Add("error_class", StringOf(info, "error_class"));
                Add("error_code", StringOf(info, "error_code"));
            }
        }
        return attributes;
    }

    // Decoding parameters are scalars (temperature, top_p, max_tokens, seed, ...); tools, messages and other nested
    // values are request payload, not parameters, and would only make samples large.
    private static Dictionary<string, JsonElement>? ScalarParams(JsonElement parameters)
    {
        var kept = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var p in parameters.EnumerateObject())
        {
            if (p.Value.ValueKind is JsonValueKind.Number or JsonValueKind.String or JsonValueKind.True or JsonValueKind.False)
                kept[p.Name] = p.Value.Clone();
        }
        return kept.Count == 0 ? null : kept;
    }

    private static DateTimeOffset? FromUnixSeconds(double seconds) =>
        double.IsFinite(seconds) && Math.Abs(seconds) < 1e11 ? DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond)) : null;

    private static int? IntOf(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    private static string? StringOf(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    /// <summary>Reads fields leniently (absent or null is absent) and strictly (a wrong JSON type is a violation naming the field).</summary>
    private struct FieldReader(JsonElement payload)
    {
        public ContractViolation? Violation;

        public readonly JsonElement? Any(string name) =>
            payload.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

        public string? String(string name) => Typed(name, JsonValueKind.String, "a string") is { } v ? v.GetString() : null;

        public double? Number(string name) => Typed(name, JsonValueKind.Number, "a number") is { } v ? v.GetDouble() : null;

        public JsonElement? Object(string name) => Typed(name, JsonValueKind.Object, "a JSON object");

        public bool? Bool(string name) => Any(name) switch
        {
            { ValueKind: JsonValueKind.True } => true,
            { ValueKind: JsonValueKind.False } => false,
            null => null,
            _ => Fail<bool?>(name, "true or false"),
        };

        public int? Int(string name)
        {
            if (Typed(name, JsonValueKind.Number, "a whole number") is not { } v)
                return null;
            return v.TryGetInt32(out var i) ? i : Fail<int?>(name, "a whole number");
        }

        private JsonElement? Typed(string name, JsonValueKind kind, string expected)
        {
            var v = Any(name);
            if (v is null || v.Value.ValueKind == kind)
                return v;
            return Fail<JsonElement?>(name, expected);
        }

        private T? Fail<T>(string name, string expected)
        {
            Violation ??= new ContractViolation(name, "type", string.Create(CultureInfo.InvariantCulture, $"LiteLLM field {name} must be {expected}."));
            return default;
        }
    }
}
