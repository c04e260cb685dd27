using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Auditor.Contracts;
using static Auditor.Cli.Ship.LogLineJson;

namespace Auditor.Cli.Ship;

/// <summary>
/// Maps one line of an OpenAI-compatible chat completion log (a JSON object holding the request and the response) to
/// an <see cref="OutputSample"/>. Accepted shapes: <c>{"request": {...}, "response": {...}}</c> with optional
/// <c>timestamp</c>, <c>latency_ms</c>, <c>time_to_first_token_ms</c>, <c>path</c> and <c>metadata</c> beside them.
/// A line that cannot be mapped gets a reason instead of a sample; nothing is guessed silently.
/// </summary>
public sealed class ChatLogMapper(ChatLogMapping mapping) : ILogLineMapper
{
    public MappedLine Map(ReadOnlySpan<byte> line)
    {
        if (LogLineJson.ParseObject(line, out var rejected) is not { } document)
            return rejected!;
        using (document)
        {
            var root = document.RootElement;
            var request = Object(root, "request");
            var response = Object(root, "response");
            if (response is null)
                return MappedLine.Rejected("no \"response\" object");
            var choice = response.Value.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0
                ? choices[0] : (JsonElement?)null;
            if (choice is null)
                return MappedLine.Rejected("the response has no choices[0]");
            var output = OutputOf(choice.Value);
            if (output is null)
                return MappedLine.Rejected("choices[0] has neither message.content, message.tool_calls nor text");
            var model = String(response.Value, "model") ?? (request is { } rq ? String(rq, "model") : null);
            if (string.IsNullOrEmpty(model))
                return MappedLine.Rejected("no model in the response or the request");
            var route = RouteOf(root, request);
            if (string.IsNullOrEmpty(route))
                return MappedLine.Rejected(mapping.RouteField is null ? "no route: no metadata.route and no path" : $"no route: field {mapping.RouteField} is missing");

            var usage = Object(response.Value, "usage");
            var sample = new OutputSample
            {
                SampleId = String(response.Value, "id") is { Length: > 0 and <= 128 } id ? id : "line-" + Hash(line),
                // A log without a time is stamped when shipped, so it stays within the contract's 30 days.
                OccurredAt = OccurredAt(root, response.Value) ?? DateTimeOffset.UtcNow,
                Model = model,
                Route = route,
                Deployment = mapping.Deployment ?? Path(root, "metadata.deployment"),
                Prompt = request is { } r ? LastUserMessage(r) : null,
                Output = output,
                FinishReason = MapFinishReason(choice.Value.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null),
                PromptTokens = usage is { } u ? Int(u, "prompt_tokens") : null,
                CompletionTokens = usage is { } u2 ? Int(u2, "completion_tokens") : null,
                MaxTokens = request is { } r2 ? Int(r2, "max_tokens") ?? Int(r2, "max_completion_tokens") : null,
                LatencyMs = Number(root, "latency_ms") ?? Number(root, "duration_ms"),
                TimeToFirstTokenMs = Number(root, "time_to_first_token_ms"),
                Params = request is { } r3 ? ParamsOf(r3) : null,
            };
            return MappedLine.Mapped(sample);
        }
    }

    /// <summary>Provider finish reasons onto the contract's set (<see cref="FinishReasons.Map"/>); an unknown one is <c>other</c>, never dropped.</summary>
    public static string? MapFinishReason(string? reason) => FinishReasons.Map(reason);

    private string? RouteOf(JsonElement root, JsonElement? request)
    {
        if (mapping.RouteField is { } field)
            return Path(root, field);
        return Path(root, "metadata.route")
            ?? (request is { } r ? Path(r, "metadata.route") : null)
            ?? String(root, "path")
            ?? String(root, "request_path");
    }

    private static string? OutputOf(JsonElement choice)
    {
        if (choice.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object)
        {
            if (message.TryGetProperty("content", out var content))
            {
                if (content.ValueKind == JsonValueKind.String)
                    return content.GetString();
                if (content.ValueKind == JsonValueKind.Array)
                    return TextOfParts(content);
            }
            // A pure tool call has no text: an empty output with finish reason tool_calls, which is not a failure.
            if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
                return "";
            return content.ValueKind == JsonValueKind.Null ? "" : null;
        }
        return choice.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null;
    }

    private static string? LastUserMessage(JsonElement request)
    {
        if (!request.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
            return String(request, "prompt");
        string? last = null;
        foreach (var m in messages.EnumerateArray())
        {
            if (m.ValueKind != JsonValueKind.Object || String(m, "role") != "user" || !m.TryGetProperty("content", out var c))
                continue;
            last = c.ValueKind switch { JsonValueKind.String => c.GetString(), JsonValueKind.Array => TextOfParts(c), _ => last };
        }
        return last;
    }

    private static string TextOfParts(JsonElement parts) => string.Concat(parts.EnumerateArray()
        .Where(p => p.ValueKind == JsonValueKind.Object && String(p, "type") == "text")
        .Select(p => String(p, "text")));

    private static Dictionary<string, JsonElement>? ParamsOf(JsonElement request)
    {
        var kept = new Dictionary<string, JsonElement>();
        foreach (var name in new[] { "temperature", "top_p", "top_k", "frequency_penalty", "presence_penalty", "repetition_penalty", "seed" })
            if (request.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number)
                kept[name] = v.Clone();
        return kept.Count > 0 ? kept : null;
    }

    private static DateTimeOffset? OccurredAt(JsonElement root, JsonElement response)
    {
        foreach (var name in new[] { "timestamp", "time", "created_at" })
            if (String(root, name) is { } s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
                return t;
        return response.TryGetProperty("created", out var created) && created.TryGetInt64(out var unix)
            ? DateTimeOffset.FromUnixTimeSeconds(unix)
            : null;
    }

    private static string Hash(ReadOnlySpan<byte> line) => Convert.ToHexStringLower(SHA256.HashData(line))[..32];

    /// <summary>A dotted path (<c>metadata.route</c>) to a string or number, from the line's root.</summary>
    private static string? Path(JsonElement e, string dotted)
    {
        foreach (var part in dotted.Split('.'))
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(part, out e))
                return null;
        }
        return e.ValueKind switch { JsonValueKind.String => e.GetString(), JsonValueKind.Number => e.GetRawText(), _ => null };
    }
}

/// <summary>How log fields become contract fields: a route field (dotted path) and a fixed deployment, both optional.</summary>
public sealed record ChatLogMapping(string? RouteField, string? Deployment);

/// <summary>One mapped line: a sample, the reason it could not be mapped, or a line that is not a sample at all (skipped).</summary>
public sealed record MappedLine(OutputSample? Sample, string? Reason, bool Skip = false)
{
    public static MappedLine Mapped(OutputSample sample) => new(sample, null);

    public static MappedLine Rejected(string reason) => new(null, reason);

    /// <summary>A line of the log that records something else (SGLang's request.received): neither shipped nor rejected.</summary>
    public static MappedLine Skipped() => new(null, null, Skip: true);
}

/// <summary>Maps one line of a log format to a sample.</summary>
public interface ILogLineMapper
{
    MappedLine Map(ReadOnlySpan<byte> line);
}
