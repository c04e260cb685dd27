using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Auditor.Testing;

namespace Auditor.Server.Tests;

/// <summary>POST /api/v1/ingest/litellm through the real host, with payloads of the shape LiteLLM's generic_api callback sends.</summary>
public sealed class LiteLlmIntakeTests : IAsyncLifetime
{
    // Every sample is selected for review, so every one is stored and each mapped field can be read back.
    private readonly AuditorApp _app = new(new() { ["Auditor:Review:UniformFraction"] = "1" });
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _client = _app.CreateIngestClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>A StandardLoggingPayload as LiteLLM's proxy logs a chat completion served by a vLLM deployment.</summary>
    public static JsonObject Success(string id, double end, string content = "Paris is the capital of France.", string finish = "stop",
        bool stream = false) => new()
    {
        ["id"] = id,
        ["trace_id"] = "7c1b2c9e-1111-4a5b-9c1d-2e3f4a5b6c7d",
        ["call_type"] = "acompletion",
        ["stream"] = stream,
        ["response_cost"] = 0.0,
        ["status"] = "success",
        ["custom_llm_provider"] = "hosted_vllm",
        ["total_tokens"] = 29,
        ["prompt_tokens"] = 21,
        ["completion_tokens"] = 8,
        ["startTime"] = end - 1.25,
        ["endTime"] = end,
        ["completionStartTime"] = end - 1.0,
        ["response_time"] = 1.25,
        ["model"] = "hosted_vllm/meta-llama/Llama-3.1-8B-Instruct",
        ["model_id"] = "3f0c9a1e5b",
        ["model_group"] = "llama-3.1-8b",
        ["api_base"] = "http://vllm-a.internal:8000/v1",
        ["metadata"] = new JsonObject
        {
            ["user_api_key_alias"] = "support-bot",
            ["requester_metadata"] = new JsonObject { ["auditor_route"] = "support-chat" },
            ["spend_logs_metadata"] = null,
        },
        ["cache_hit"] = false,
        ["request_tags"] = new JsonArray(),
        ["messages"] = new JsonArray(
            new JsonObject { ["role"] = "system", ["content"] = "You are terse." },
            new JsonObject { ["role"] = "user", ["content"] = "What is the capital of France?" }),
        ["response"] = new JsonObject
        {
            ["id"] = "chatcmpl-" + id,
            ["object"] = "chat.completion",
            ["model"] = "meta-llama/Llama-3.1-8B-Instruct",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["finish_reason"] = finish,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 21, ["completion_tokens"] = 8, ["total_tokens"] = 29 },
        },
        ["error_str"] = null,
        ["model_parameters"] = new JsonObject { ["temperature"] = 0.2, ["max_tokens"] = 8, ["tools"] = new JsonArray() },
        ["hidden_params"] = new JsonObject { ["model_id"] = "3f0c9a1e5b", ["api_base"] = "http://vllm-a.internal:8000/v1" },
    };

    public static JsonObject Failure(string id, double end) => new()
    {
        ["id"] = id,
        ["call_type"] = "acompletion",
        ["status"] = "failure",
        ["prompt_tokens"] = 0,
        ["completion_tokens"] = 0,
        ["startTime"] = end - 0.5,
        ["endTime"] = end,
        ["completionStartTime"] = end,
        ["model"] = "hosted_vllm/meta-llama/Llama-3.1-8B-Instruct",
        ["model_group"] = "llama-3.1-8b",
        ["api_base"] = "http://vllm-b.internal:8000/v1",
        ["metadata"] = new JsonObject(),
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Hello" }),
        ["response"] = new JsonObject(),
        ["error_str"] = "litellm.APIConnectionError: Connection refused",
        ["error_information"] = new JsonObject { ["error_class"] = "APIConnectionError", ["error_code"] = "500" },
        ["model_parameters"] = new JsonObject(),
    };

    private static double Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    private async Task<JsonElement> StoredAsync(string id) =>
        await Eventually.Get(async () =>
        {
            var response = await _client.GetAsync($"/api/v1/samples/{id}");
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
        }, e => e.ValueKind == JsonValueKind.Object, what: $"sample {id} to be stored");

    private static JsonElement Result(JsonElement stored, string detector) =>
        stored.GetProperty("detectorResults").EnumerateArray().Single(r => r.GetProperty("detector").GetString() == detector);

    [Fact]
    public async Task Maps_every_field_of_a_json_array_counts_a_failure_and_judges_a_truncated_answer()
    {
        var end = Math.Round(Now - 5, 3);
        var ok = $"ll-{Guid.NewGuid():N}";
        var cut = $"ll-{Guid.NewGuid():N}";
        var failed = $"ll-{Guid.NewGuid():N}";
        var body = new JsonArray(Success(ok, end, stream: true), Success(cut, end, content: "Step 1: open the", finish: "length"), Failure(failed, end));

        var response = await _client.PostAsync("/api/v1/ingest/litellm", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, answer.GetProperty("accepted").GetInt32());
        Assert.Equal(0, answer.GetProperty("rejected").GetArrayLength());

        var s = await StoredAsync(ok);
        Assert.Equal("llama-3.1-8b", s.GetProperty("model").GetString());
        Assert.Equal("support-chat", s.GetProperty("route").GetString());
        Assert.Equal("vllm-a.internal:8000", s.GetProperty("deployment").GetString());
        Assert.Equal("What is the capital of France?", s.GetProperty("prompt").GetString());
        Assert.Equal("Paris is the capital of France.", s.GetProperty("output").GetString());
        Assert.True(s.GetProperty("outputCaptured").GetBoolean());
        Assert.Equal("stop", s.GetProperty("finishReason").GetString());
        Assert.Equal(21, s.GetProperty("promptTokens").GetInt32());
        Assert.Equal(8, s.GetProperty("completionTokens").GetInt32());
        Assert.Equal(8, s.GetProperty("maxTokens").GetInt32());
        Assert.Equal(1250, s.GetProperty("latencyMs").GetDouble(), 0.01);
        Assert.Equal(250, s.GetProperty("timeToFirstTokenMs").GetDouble(), 0.01);
        // endTime is a float of Unix seconds: equal to the millisecond, whatever binary rounding does below it.
        Assert.Equal(0, (DateTimeOffset.UnixEpoch.AddSeconds(end) - s.GetProperty("occurredAt").GetDateTimeOffset()).TotalMilliseconds, 1.0);
        Assert.Equal(0.2, s.GetProperty("params").GetProperty("temperature").GetDouble());
        Assert.False(s.GetProperty("params").TryGetProperty("tools", out _)); // request payload, not a decoding parameter
        var attributes = s.GetProperty("attributes");
        Assert.Equal("hosted_vllm/meta-llama/Llama-3.1-8B-Instruct", attributes.GetProperty("litellm.model").GetString());
        Assert.Equal("3f0c9a1e5b", attributes.GetProperty("litellm.model_id").GetString());
        Assert.Equal("hosted_vllm", attributes.GetProperty("litellm.provider").GetString());
        Assert.Equal("acompletion", attributes.GetProperty("litellm.call_type").GetString());
        Assert.Equal("http://vllm-a.internal:8000/v1", attributes.GetProperty("litellm.api_base").GetString());
        // 8 of 8 allowed tokens: the truncation detector judges it from metadata.
        Assert.True(Result(s, "truncation").GetProperty("flagged").GetBoolean());
        Assert.False(Result(s, "empty").GetProperty("flagged").GetBoolean());

        var t = await StoredAsync(cut);
        Assert.Equal("length", t.GetProperty("finishReason").GetString());
        Assert.Equal(JsonValueKind.Null, t.GetProperty("timeToFirstTokenMs").ValueKind); // not streamed: completionStartTime is the end
        Assert.True(t.GetProperty("flagged").GetBoolean());

        var f = await StoredAsync(failed);
        Assert.Equal("error", f.GetProperty("finishReason").GetString());
        Assert.False(f.GetProperty("outputCaptured").GetBoolean());
        Assert.Equal(JsonValueKind.Null, f.GetProperty("output").ValueKind);
        Assert.Equal("litellm", f.GetProperty("route").GetString()); // no route in its metadata: the configured default
        Assert.Equal("litellm.APIConnectionError: Connection refused", f.GetProperty("attributes").GetProperty("litellm.error").GetString());
        Assert.Equal("APIConnectionError", f.GetProperty("attributes").GetProperty("litellm.error_class").GetString());
        // A failure has no text: the empty detector abstains instead of calling it an empty answer.
        var empty = Result(f, "empty");
        Assert.True(empty.GetProperty("abstained").GetBoolean());
        Assert.False(empty.GetProperty("flagged").GetBoolean());

        // The sample page says the text was not captured, not that the answer was empty.
        var page = await _client.GetStringAsync($"/samples/{failed}");
        Assert.Contains("output not captured by the publisher", page, StringComparison.Ordinal);
        Assert.DoesNotContain("(empty output)", page, StringComparison.Ordinal);

        Assert.Equal(2, await _app.Database.StreamTotalAsync("support-chat"));
        Assert.Equal(1, await _app.Database.StreamTotalAsync("litellm"));
    }

    [Fact]
    public async Task Takes_ndjson_and_rejects_a_bad_record_with_its_reason_and_keeps_it()
    {
        var end = Math.Round(Now - 5, 3);
        var good = $"ll-{Guid.NewGuid():N}";
        var bad = Success($"ll-{Guid.NewGuid():N}", end);
        bad["completion_tokens"] = "eight"; // a wrong type
        var old = Success($"ll-{Guid.NewGuid():N}", end - 40 * 86400); // older than the contract's 30 days
        var ndjson = string.Join("\n", Success(good, end).ToJsonString(), bad.ToJsonString(), "{not json", old.ToJsonString()) + "\n";

        var response = await _client.PostAsync("/api/v1/ingest/litellm", new StringContent(ndjson, Encoding.UTF8, "application/x-ndjson"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, answer.GetProperty("accepted").GetInt32());
        var rejected = answer.GetProperty("rejected").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3], rejected.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal("completion_tokens", rejected[0].GetProperty("errors")[0].GetProperty("field").GetString());
        Assert.Equal("type", rejected[0].GetProperty("errors")[0].GetProperty("rule").GetString());
        Assert.Equal(bad["id"]!.GetValue<string>(), rejected[0].GetProperty("sampleId").GetString());
        Assert.Equal("json", rejected[1].GetProperty("errors")[0].GetProperty("rule").GetString());
        Assert.Equal("occurredAt.tooOld", rejected[2].GetProperty("errors")[0].GetProperty("rule").GetString());

        var kept = await _app.Database.RejectedAsync();
        Assert.Equal(3, kept.Count);
        Assert.All(kept, k => Assert.Equal("litellm", k.Source));
        Assert.Contains(kept, k => k.Payload == "{not json");
        Assert.Contains(kept, k => k.SampleId == bad["id"]!.GetValue<string>() && k.Payload.Contains("\"eight\"", StringComparison.Ordinal));
        await StoredAsync(good);
    }

    [Fact]
    public async Task Refuses_a_callback_without_the_api_key()
    {
        var anonymous = _app.CreateClient();
        var body = new JsonArray(Success($"ll-{Guid.NewGuid():N}", Now)).ToJsonString();

        var response = await anonymous.PostAsync("/api/v1/ingest/litellm", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await _app.Database.RejectedAsync());
    }

    [Fact]
    public async Task Does_not_judge_the_redaction_note_as_the_answer()
    {
        var id = $"ll-{Guid.NewGuid():N}";
        var record = Success(id, Math.Round(Now - 5, 3));
        // litellm.turn_off_message_logging: the text is replaced by LiteLLM's note.
        record["messages"] = "redacted by litellm. 'litellm.turn_off_message_logging=True'";
        record["response"] = "redacted by litellm. 'litellm.turn_off_message_logging=True'";

        var response = await _client.PostAsync("/api/v1/ingest/litellm", new StringContent(record.ToJsonString(), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var s = await StoredAsync(id);
        Assert.False(s.GetProperty("outputCaptured").GetBoolean());
        Assert.Equal(JsonValueKind.Null, s.GetProperty("prompt").ValueKind);
        Assert.True(Result(s, "degeneration").GetProperty("abstained").GetBoolean());
    }
}
