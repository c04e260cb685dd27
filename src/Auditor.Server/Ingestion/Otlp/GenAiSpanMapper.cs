using System.Globalization;
using System.Text;
using System.Text.Json;
using Auditor.Contracts;

namespace Auditor.Server.Ingestion.Otlp;

/// <summary>
/// Maps a GenAI span to an <see cref="OutputSample"/>. Pure. Reads three generations of names:
/// <list type="bullet">
/// <item>OpenTelemetry GenAI semantic conventions: <c>gen_ai.operation.name</c>, <c>gen_ai.provider.name</c> (or the
/// older <c>gen_ai.system</c>), <c>gen_ai.request.model</c>, <c>gen_ai.response.model</c>, <c>gen_ai.response.id</c>,
/// <c>gen_ai.response.finish_reasons</c>, <c>gen_ai.usage.input_tokens</c>/<c>output_tokens</c>,
/// <c>gen_ai.request.max_tokens</c>, and the opt-in content <c>gen_ai.input.messages</c>/<c>gen_ai.output.messages</c>
/// (parts-based JSON) on the span or on its <c>gen_ai.client.inference.operation.details</c> event;</item>
/// <item>OpenLLMetry before 2026 (and vLLM's own spans): <c>gen_ai.prompt.{i}.content</c>,
/// <c>gen_ai.completion.{i}.content</c>/<c>finish_reason</c>, <c>gen_ai.usage.prompt_tokens</c>/<c>completion_tokens</c>,
/// <c>gen_ai.request.id</c>, <c>gen_ai.latency.time_to_first_token</c> (seconds);</item>
/// <item>OpenInference: <c>openinference.span.kind</c> LLM, <c>llm.model_name</c>, <c>output.value</c>,
/// <c>llm.output_messages.{i}.message.content</c>, <c>llm.input_messages.{i}.message.*</c>,
/// <c>llm.token_count.prompt</c>/<c>completion</c>.</item>
/// </list>
/// A span is GenAI when it names a model in any of these and is not an embeddings call; other spans are not samples.
/// A span without output text is a sample with outputCaptured false (counted, judged on finish reason and tokens); a
/// span with error status and no finish reason has finishReason <c>error</c>.
/// </summary>
public static class GenAiSpanMapper
{
    /// <summary>The event the current conventions put opt-in content on.</summary>
    public const string DetailsEvent = "gen_ai.client.inference.operation.details";

    private static readonly string[] ModelKeys = ["gen_ai.response.model", "gen_ai.request.model", "llm.model_name", "llm.response.model", "llm.request.model"];
    private static readonly string[] NonOutputOperations = ["embeddings", "embedding", "create_agent", "execute_tool"];

    /// <summary>Whether a span describes a model generation (so it is a sample), not an embedding, a tool or plain HTTP.</summary>
    public static bool IsGenAi(OtlpSpan span)
    {
        var a = span.Attributes;
        if (Str(a, "openinference.span.kind") is { } kind)
            return string.Equals(kind, "LLM", StringComparison.OrdinalIgnoreCase);
        if (Str(a, "gen_ai.operation.name") is { } operation && NonOutputOperations.Contains(operation, StringComparer.OrdinalIgnoreCase))
            return false;
        if (Str(a, "llm.request.type") is { } type && type.Contains("embed", StringComparison.OrdinalIgnoreCase))
            return false;
        return ModelKeys.Any(k => Str(a, k) is not null);
    }

    /// <summary>Maps a GenAI span; null with a violation when a value is out of the contract's range for its type.</summary>
    public static OutputSample? Map(OtlpSpan span, OtlpOptions options, out ContractViolation? violation)
    {
        ContractViolation? problem = null;
        var a = span.Attributes;
        var details = span.Events.FirstOrDefault(e => e.Name == DetailsEvent)?.Attributes;
        string? Find(string key) => Str(a, key) ?? (details is null ? null : Str(details, key));

        var (output, messageFinish) = OutputText(Find("gen_ai.output.messages"), a);
        var finish = FinishReasonOf(a) ?? messageFinish;
        if (finish is null && span.StatusCode == OtlpStatusCode.Error && output is null)
            finish = FinishReasons.Error;

        int? Tokens(string field, params string[] keys)
        {
            foreach (var key in keys)
            {
                if (!a.TryGetValue(key, out var v) || v is null)
                    continue;
                if (v is long l && l is >= 0 and <= int.MaxValue)
                    return (int)l;
                if (v is double d && double.IsFinite(d) && d >= 0 && d <= int.MaxValue && d == Math.Floor(d))
                    return (int)d;
                problem ??= new ContractViolation(field, "type", $"{key} must be a whole number from 0 to {int.MaxValue}; got {Describe(v)}.");
                return null;
            }
            return null;
        }

        var sample = new OutputSample
        {
            SampleId = SampleId(span, a),
            OccurredAt = FromNanos(span.EndTimeUnixNano != 0 ? span.EndTimeUnixNano : span.StartTimeUnixNano),
            Model = ModelKeys.Select(k => Str(a, k)).FirstOrDefault(m => m is not null),
            Route = Str(a, options.RouteAttribute) ?? Str(span.ResourceAttributes, options.RouteAttribute)
                ?? Str(span.ResourceAttributes, "service.name") ?? options.DefaultRoute,
            Deployment = Deployment(a),
            Prompt = PromptText(Find("gen_ai.input.messages"), a),
            Output = output,
            OutputCaptured = output is null ? false : null,
            FinishReason = finish,
            PromptTokens = Tokens("promptTokens", "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt"),
            CompletionTokens = Tokens("completionTokens", "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion"),
            MaxTokens = Tokens("maxTokens", "gen_ai.request.max_tokens"),
            LatencyMs = span.EndTimeUnixNano > span.StartTimeUnixNano && span.StartTimeUnixNano != 0
                ? (span.EndTimeUnixNano - span.StartTimeUnixNano) / 1e6
                : Seconds(a, "gen_ai.latency.e2e") * 1000,
            TimeToFirstTokenMs = Seconds(a, "gen_ai.latency.time_to_first_token") * 1000 ?? Seconds(a, "gen_ai.server.time_to_first_token") * 1000,
            SamplingRate = SamplingRate(span.TraceState),
            Params = Params(a),
            Attributes = Attributes(span, a),
        };
        violation = problem;
        return problem is null ? sample : null;
    }

    /// <summary>
    /// The probability a span was kept with, from its W3C trace state's OpenTelemetry threshold (<c>ot=th:HEX</c>):
    /// spans are kept when their randomness is at least the threshold T (up to 14 hex digits, zero-padded on the right,
    /// over 2^56), so p = 1 - T / 2^56. Null when the trace state carries no threshold.
    /// </summary>
    public static double? SamplingRate(string traceState)
    {
        foreach (var member in traceState.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!member.StartsWith("ot=", StringComparison.Ordinal))
                continue;
            foreach (var field in member[3..].Split(';'))
            {
                if (!field.StartsWith("th:", StringComparison.Ordinal))
                    continue;
                var hex = field[3..];
                if (hex.Length is 0 or > 14 || !ulong.TryParse(hex.PadRight(14, '0'), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var threshold))
                    return null;
                var p = 1 - threshold / Math.Pow(2, 56);
                return p > 0 ? p : null;
            }
        }
        return null;
    }

    private static string? SampleId(OtlpSpan span, IReadOnlyDictionary<string, object?> a) =>
        // A span's ids name it uniquely and survive an exporter's retry, so a re-sent span is counted once.
        span.TraceId.Length > 0 && span.SpanId.Length > 0
            ? Convert.ToHexStringLower(span.TraceId) + "-" + Convert.ToHexStringLower(span.SpanId)
            : Str(a, "gen_ai.response.id") ?? Str(a, "gen_ai.request.id");

    private static string? Deployment(IReadOnlyDictionary<string, object?> a)
    {
        var host = Str(a, "server.address");
        if (host is null)
            return null;
        return a.TryGetValue("server.port", out var port) && port is long p ? $"{host}:{p}" : host;
    }

    private static string? FinishReasonOf(IReadOnlyDictionary<string, object?> a)
    {
        if (a.TryGetValue("gen_ai.response.finish_reasons", out var v))
        {
            var first = v switch
            {
                string s => s,
                List<object?> list => list.OfType<string>().FirstOrDefault(),
                _ => null,
            };
            if (FinishReasons.Map(first) is { } reason)
                return reason;
        }
        return FinishReasons.Map(Str(a, "gen_ai.completion.0.finish_reason") ?? Str(a, "llm.output_messages.0.message.finish_reason"));
    }

    // The answer's text: gen_ai.output.messages (the first message's text parts), else the older indexed attributes.
    private static (string? Text, string? Finish) OutputText(string? outputMessages, IReadOnlyDictionary<string, object?> a)
    {
        if (outputMessages is not null && MessagesText(outputMessages, role: null) is { } fromMessages)
            return fromMessages;
        // An empty string is an empty answer, not a missing one.
        var text = Text(a, "gen_ai.completion.0.content") ?? Text(a, "llm.output_messages.0.message.content") ?? Text(a, "output.value");
        return (text, null);
    }

    private static string? PromptText(string? inputMessages, IReadOnlyDictionary<string, object?> a)
    {
        if (inputMessages is not null && MessagesText(inputMessages, role: "user") is { Text: { } text })
            return text;
        // Indexed forms: the last user message.
        foreach (var (prefix, roleSuffix, contentSuffix) in new[] { ("gen_ai.prompt.", ".role", ".content"), ("llm.input_messages.", ".message.role", ".message.content") })
        {
            string? last = null;
            for (var i = 0; i < 1000 && Str(a, $"{prefix}{i}{contentSuffix}") is { } content; i++)
            {
                if (Str(a, $"{prefix}{i}{roleSuffix}") is null or "user")
                    last = content;
            }
            if (last is not null)
                return last;
        }
        return Str(a, "input.value");
    }

    // Parts-based messages: [{"role": "...", "parts": [{"type": "text", "content": "..."}], "finish_reason": "..."}].
    // For output, the first message; for input, the last message with the given role.
    private static (string? Text, string? Finish)? MessagesText(string json, string? role)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 32 });
            if (document.RootElement.ValueKind != JsonValueKind.Array)
                return null;
            (string?, string?)? found = null;
            foreach (var message in document.RootElement.EnumerateArray())
            {
                if (message.ValueKind != JsonValueKind.Object)
                    continue;
                if (role is not null && !(message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String && r.GetString() == role))
                    continue;
                var text = new StringBuilder();
                var any = false;
                if (message.TryGetProperty("parts", out var parts) && parts.ValueKind == JsonValueKind.Array)
                {
                    foreach (var part in parts.EnumerateArray())
                    {
                        var type = part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                        if (type == "text" && part.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String)
                        {
                            text.Append(c.GetString());
                            any = true;
                        }
                        else if (type == "tool_call" && !any)
                        {
                            // An answer that only calls a tool: the call is what the model generated.
                            text.Append(part.GetRawText());
                            any = true;
                        }
                    }
                }
                var finish = message.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String ? FinishReasons.Map(f.GetString()) : null;
                found = (any ? text.ToString() : null, finish);
                if (role is null)
                    break;
            }
            return found;
        }
        catch (JsonException)
        {
            // Content that is not the documented JSON is not text to judge; the span still counts.
            return null;
        }
    }

    private static Dictionary<string, JsonElement>? Params(IReadOnlyDictionary<string, object?> a)
    {
        var kept = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var name in new[] { "temperature", "top_p", "top_k", "seed", "frequency_penalty", "presence_penalty" })
        {
            if (a.TryGetValue("gen_ai.request." + name, out var v) && v is long or double)
                kept[name] = JsonSerializer.SerializeToElement(v);
        }
        return kept.Count == 0 ? null : kept;
    }

    private static Dictionary<string, string>? Attributes(OtlpSpan span, IReadOnlyDictionary<string, object?> a)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        void Add(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value))
                attributes[key] = value.Length <= ContractLimits.MaxAttributeValueLength ? value : value[..(ContractLimits.MaxAttributeValueLength - 1)] + "…";
        }
        Add("gen_ai.operation.name", Str(a, "gen_ai.operation.name"));
        Add("gen_ai.provider.name", Str(a, "gen_ai.provider.name") ?? Str(a, "gen_ai.system"));
        Add("gen_ai.response.id", Str(a, "gen_ai.response.id") ?? Str(a, "gen_ai.request.id"));
        Add("service.name", Str(span.ResourceAttributes, "service.name"));
        Add("otlp.span.name", span.Name);
        Add("otlp.scope", span.ScopeName);
        if (span.StatusCode == OtlpStatusCode.Error)
            Add("otlp.status.message", span.StatusMessage.Length > 0 ? span.StatusMessage : "error");
        return attributes.Count == 0 ? null : attributes;
    }

    private static double? Seconds(IReadOnlyDictionary<string, object?> a, string key) => a.TryGetValue(key, out var v) ? v switch
    {
        double d when double.IsFinite(d) && d >= 0 => d,
        long l when l >= 0 => l,
        _ => null,
    } : null;

    private static DateTimeOffset? FromNanos(ulong nanos) =>
        nanos == 0 ? null : DateTimeOffset.UnixEpoch.AddTicks((long)Math.Min(nanos / 100, (ulong)(DateTimeOffset.MaxValue - DateTimeOffset.UnixEpoch).Ticks));

    private static string? Str(IReadOnlyDictionary<string, object?> a, string key) =>
        a.TryGetValue(key, out var v) && v is string s && s.Length > 0 ? s : null;

    private static string? Text(IReadOnlyDictionary<string, object?> a, string key) => a.TryGetValue(key, out var v) ? v as string : null;

    private static string Describe(object v) => v switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        string s => $"the string '{(s.Length > 40 ? s[..40] + "…" : s)}'",
        _ => v.GetType().Name,
    };
}
