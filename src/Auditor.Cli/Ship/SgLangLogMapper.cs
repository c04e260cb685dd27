using System.Globalization;
using System.Text.Json;
using Auditor.Contracts;
using static Auditor.Cli.Ship.LogLineJson;

namespace Auditor.Cli.Ship;

/// <summary>
/// `--format sglang`: the JSON lines SGLang writes with <c>--log-requests --log-requests-format json</c>:
/// <c>{"timestamp", "event", "rid", "obj", "out"}</c>. Only <c>request.finished</c> events are samples
/// (<c>request.received</c> lines are skipped). <c>obj</c> is the GenerateReqInput (<c>text</c>,
/// <c>sampling_params.max_new_tokens</c>, temperature, ...); <c>out</c> holds <c>text</c> and <c>meta_info</c>
/// (<c>id</c>, <c>finish_reason.type</c>, <c>prompt_tokens</c>, <c>completion_tokens</c>, <c>e2e_latency</c> in seconds).
/// SGLang's log names no model, so <c>--model</c> gives it. Below <c>--log-requests-level 3</c> SGLang truncates the
/// texts, so the full output is only there at level 3.
/// </summary>
public sealed class SgLangLogMapper(string model, string route, string? deployment) : ILogLineMapper
{
    public MappedLine Map(ReadOnlySpan<byte> line)
    {
        if (LogLineJson.ParseObject(line, out var rejected) is not { } document)
            return rejected!;
        using (document)
        {
            var root = document.RootElement;
            var kind = String(root, "event");
            if (kind is not null && kind != "request.finished")
                return MappedLine.Skipped();
            if (Object(root, "out") is not { } output)
                return MappedLine.Rejected("no \"out\" object: not a request.finished record");
            var meta = Object(output, "meta_info");
            var request = Object(root, "obj");
            var sampling = request is { } r ? Object(r, "sampling_params") : null;
            var finish = meta is { } m && m.TryGetProperty("finish_reason", out var f)
                ? f.ValueKind switch
                {
                    JsonValueKind.Object => FinishReasons.Map(String(f, "type")),
                    JsonValueKind.String => FinishReasons.Map(f.GetString()),
                    _ => null,
                }
                : null;
            var text = String(output, "text");
            var sample = new OutputSample
            {
                SampleId = String(root, "rid") ?? (meta is { } m2 ? String(m2, "id") : null),
                OccurredAt = Timestamp(root),
                Model = model,
                Route = route,
                Deployment = deployment,
                Prompt = request is { } r2 ? String(r2, "text") : null,
                Output = text,
                OutputCaptured = text is null ? false : null,
                FinishReason = finish,
                PromptTokens = meta is { } m3 ? Int(m3, "prompt_tokens") : null,
                CompletionTokens = meta is { } m4 ? Int(m4, "completion_tokens") : null,
                MaxTokens = sampling is { } sp ? Int(sp, "max_new_tokens") : null,
                LatencyMs = meta is { } m5 && Number(m5, "e2e_latency") is { } seconds ? seconds * 1000 : null,
                Params = sampling is { } sp2 ? Params(sp2) : null,
            };
            return MappedLine.Mapped(sample);
        }
    }

    private static DateTimeOffset? Timestamp(JsonElement root)
    {
        if (!root.TryGetProperty("timestamp", out var t))
            return null;
        if (t.ValueKind == JsonValueKind.Number && t.TryGetDouble(out var unix) && double.IsFinite(unix) && Math.Abs(unix) < 1e11)
            return DateTimeOffset.UnixEpoch.AddTicks((long)(unix * TimeSpan.TicksPerSecond));
        return t.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(t.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at : null;
    }

    private static Dictionary<string, JsonElement>? Params(JsonElement sampling)
    {
        var kept = new Dictionary<string, JsonElement>();
        foreach (var name in new[] { "temperature", "top_p", "top_k", "min_p", "frequency_penalty", "presence_penalty", "repetition_penalty", "seed" })
            if (sampling.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number)
                kept[name] = v.Clone();
        return kept.Count > 0 ? kept : null;
    }
}
