using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Auditor.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Auditor.Server.Tests;

/// <summary>POST /v1/traces on a real Kestrel port: the OpenTelemetry .NET SDK's OTLP exporter, OTLP/JSON and gzip.</summary>
public sealed class OtlpIntakeTests : IAsyncLifetime
{
    private readonly AuditorApp _app = new(new() { ["Auditor:Review:UniformFraction"] = "1", ["urls"] = "http://127.0.0.1:0" });
    private HttpClient _client = null!;
    private string _baseUrl = "";

    public Task InitializeAsync()
    {
        _app.UseKestrel();
        _app.StartServer();
        _baseUrl = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _client = new HttpClient { BaseAddress = new Uri(_baseUrl) };
        _client.DefaultRequestHeaders.Add("X-Api-Key", AuditorApp.ApiKey);
        _client.DefaultRequestHeaders.Authorization = AuditorApp.Basic("admin", AuditorApp.AdminPassword);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    private async Task<JsonElement> StoredAsync(string id) =>
        await Eventually.Get(async () =>
        {
            var response = await _client.GetAsync($"/api/v1/samples/{id}");
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
        }, e => e.ValueKind == JsonValueKind.Object, what: $"sample {id} to be stored");

    private static JsonElement Result(JsonElement stored, string detector) =>
        stored.GetProperty("detectorResults").EnumerateArray().Single(r => r.GetProperty("detector").GetString() == detector);

    private static string Id(Activity a) => $"{a.TraceId.ToHexString()}-{a.SpanId.ToHexString()}";

    private static readonly string Loop = string.Concat(Enumerable.Repeat("The answer is 42, as I said. ", 30));

    [Fact]
    public async Task Counts_and_judges_GenAI_spans_exported_by_the_dotnet_sdk_over_protobuf_and_ignores_other_spans()
    {
        using var source = new ActivitySource("test.genai." + Guid.NewGuid().ToString("N"));
        using var provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(source.Name)
            .ConfigureResource(r => r.AddService("support-bot"))
            .AddOtlpExporter(o =>
            {
                o.Endpoint = new Uri(_baseUrl + "/v1/traces");
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                o.Headers = $"X-Api-Key={AuditorApp.ApiKey}";
                o.ExportProcessorType = ExportProcessorType.Simple;
            })
            .Build();

        string withContent, withoutContent;
        using (var chat = source.StartActivity("chat llama-3.1-8b", ActivityKind.Client)!)
        {
            chat.SetTag("gen_ai.operation.name", "chat");
            chat.SetTag("gen_ai.provider.name", "openai");
            chat.SetTag("gen_ai.request.model", "llama-3.1-8b");
            chat.SetTag("gen_ai.response.model", "meta-llama/Llama-3.1-8B-Instruct");
            chat.SetTag("gen_ai.response.id", "chatcmpl-123");
            chat.SetTag("gen_ai.response.finish_reasons", new[] { "stop" });
            chat.SetTag("gen_ai.usage.input_tokens", 12);
            chat.SetTag("gen_ai.usage.output_tokens", 180);
            chat.SetTag("gen_ai.request.max_tokens", 512);
            chat.SetTag("gen_ai.request.temperature", 0.7);
            chat.SetTag("server.address", "vllm-a.internal");
            chat.SetTag("server.port", 8000);
            chat.SetTag("gen_ai.input.messages", """[{"role":"system","parts":[{"type":"text","content":"Be brief."}]},{"role":"user","parts":[{"type":"text","content":"What is 6 times 7?"}]}]""");
            chat.SetTag("gen_ai.output.messages", JsonSerializer.Serialize(new[] { new { role = "assistant", parts = new[] { new { type = "text", content = Loop } }, finish_reason = "stop" } }));
            withContent = Id(chat);
        }
        using (var bare = source.StartActivity("chat", ActivityKind.Client)!)
        {
            // A span as vLLM or an instrumentation without content capture emits it: metadata only, cut at the limit.
            bare.SetTag("gen_ai.operation.name", "chat");
            bare.SetTag("gen_ai.request.model", "llama-3.1-8b");
            bare.SetTag("gen_ai.response.finish_reasons", new[] { "length" });
            bare.SetTag("gen_ai.usage.input_tokens", 30);
            bare.SetTag("gen_ai.usage.output_tokens", 256);
            bare.SetTag("gen_ai.request.max_tokens", 256);
            bare.SetTag("gen_ai.latency.time_to_first_token", 0.05);
            withoutContent = Id(bare);
        }
        using (var other = source.StartActivity("GET /health", ActivityKind.Server)!)
            other.SetTag("http.request.method", "GET");
        Assert.True(provider.ForceFlush(10_000));

        var s = await StoredAsync(withContent);
        Assert.Equal("meta-llama/Llama-3.1-8B-Instruct", s.GetProperty("model").GetString());
        Assert.Equal("support-bot", s.GetProperty("route").GetString()); // the resource's service.name
        Assert.Equal("vllm-a.internal:8000", s.GetProperty("deployment").GetString());
        Assert.Equal("What is 6 times 7?", s.GetProperty("prompt").GetString());
        Assert.Equal(Loop, s.GetProperty("output").GetString());
        Assert.Equal("stop", s.GetProperty("finishReason").GetString());
        Assert.Equal(12, s.GetProperty("promptTokens").GetInt32());
        Assert.Equal(180, s.GetProperty("completionTokens").GetInt32());
        Assert.Equal(512, s.GetProperty("maxTokens").GetInt32());
        Assert.True(s.GetProperty("latencyMs").GetDouble() >= 0);
        Assert.Equal(0.7, s.GetProperty("params").GetProperty("temperature").GetDouble());
        Assert.Equal("chatcmpl-123", s.GetProperty("attributes").GetProperty("gen_ai.response.id").GetString());
        Assert.Equal("openai", s.GetProperty("attributes").GetProperty("gen_ai.provider.name").GetString());
        Assert.True(Result(s, "degeneration").GetProperty("flagged").GetBoolean());
        Assert.True(s.GetProperty("flagged").GetBoolean());

        var b = await StoredAsync(withoutContent);
        Assert.False(b.GetProperty("outputCaptured").GetBoolean());
        Assert.Equal(JsonValueKind.Null, b.GetProperty("output").ValueKind);
        Assert.Equal(50, b.GetProperty("timeToFirstTokenMs").GetDouble(), 0.001);
        Assert.True(Result(b, "truncation").GetProperty("flagged").GetBoolean()); // judged on metadata
        var empty = Result(b, "empty");
        Assert.True(empty.GetProperty("abstained").GetBoolean()); // absent is not empty
        Assert.False(empty.GetProperty("flagged").GetBoolean());
        Assert.Contains("did not capture", empty.GetProperty("explanation").GetString(), StringComparison.Ordinal);

        Assert.Equal(2, await _app.Database.StreamTotalAsync("support-bot"));
    }

    private static string JsonExport(string traceId) => $$$"""
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"rag-api"}}]},
          "scopeSpans":[{"scope":{"name":"opentelemetry.instrumentation.openai"},"spans":[
            {"traceId":"{{{traceId}}}","spanId":"00f067aa0ba902b7","name":"openai.chat","kind":3,
             "traceState":"ot=th:c","startTimeUnixNano":"{{{Nanos(-3)}}}","endTimeUnixNano":"{{{Nanos(-2)}}}",
             "attributes":[
               {"key":"gen_ai.system","value":{"stringValue":"openai"}},
               {"key":"llm.request.type","value":{"stringValue":"chat"}},
               {"key":"gen_ai.request.model","value":{"stringValue":"qwen2.5-7b"}},
               {"key":"gen_ai.prompt.0.role","value":{"stringValue":"user"}},
               {"key":"gen_ai.prompt.0.content","value":{"stringValue":"Name a colour."}},
               {"key":"gen_ai.completion.0.content","value":{"stringValue":"Blue.<|im_end|>"}},
               {"key":"gen_ai.completion.0.finish_reason","value":{"stringValue":"stop"}},
               {"key":"gen_ai.usage.prompt_tokens","value":{"intValue":"9"}},
               {"key":"gen_ai.usage.completion_tokens","value":{"intValue":4}},
               {"key":"auditor.route","value":{"stringValue":"colours"}}]},
            {"traceId":"{{{traceId}}}","spanId":"00f067aa0ba902b8","name":"ChatCompletion","kind":1,
             "startTimeUnixNano":"{{{Nanos(-3)}}}","endTimeUnixNano":"{{{Nanos(-2)}}}",
             "attributes":[
               {"key":"openinference.span.kind","value":{"stringValue":"LLM"}},
               {"key":"llm.model_name","value":{"stringValue":"mistral-7b"}},
               {"key":"llm.input_messages.0.message.role","value":{"stringValue":"user"}},
               {"key":"llm.input_messages.0.message.content","value":{"stringValue":"Say hi."}},
               {"key":"llm.output_messages.0.message.content","value":{"stringValue":""}},
               {"key":"llm.token_count.prompt","value":{"intValue":"5"}},
               {"key":"llm.token_count.completion","value":{"intValue":"0"}}]},
            {"traceId":"{{{traceId}}}","spanId":"00f067aa0ba902b9","name":"SELECT docs","kind":3,
             "startTimeUnixNano":"{{{Nanos(-3)}}}","endTimeUnixNano":"{{{Nanos(-2)}}}",
             "attributes":[{"key":"db.system.name","value":{"stringValue":"postgresql"}}]}]}]}]}
        """;

    private static string Nanos(int secondsFromNow) =>
        ((ulong)DateTimeOffset.UtcNow.AddSeconds(secondsFromNow).ToUnixTimeMilliseconds() * 1_000_000UL).ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Maps_openllmetry_and_openinference_names_from_otlp_json_and_counts_ignored_spans()
    {
        var traceId = Guid.NewGuid().ToString("N");

        var response = await _client.PostAsync("/v1/traces", new StringContent(JsonExport(traceId), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, answer.GetProperty("accepted").GetInt32());
        Assert.Equal(1, answer.GetProperty("ignoredSpans").GetInt32());
        Assert.Equal(JsonValueKind.Null, answer.GetProperty("partialSuccess").ValueKind);

        var o = await StoredAsync($"{traceId}-00f067aa0ba902b7");
        Assert.Equal("qwen2.5-7b", o.GetProperty("model").GetString());
        Assert.Equal("colours", o.GetProperty("route").GetString());
        Assert.Equal("Name a colour.", o.GetProperty("prompt").GetString());
        Assert.Equal("Blue.<|im_end|>", o.GetProperty("output").GetString());
        Assert.Equal("stop", o.GetProperty("finishReason").GetString());
        Assert.Equal(9, o.GetProperty("promptTokens").GetInt32());
        Assert.Equal(4, o.GetProperty("completionTokens").GetInt32());
        Assert.Equal(1000, o.GetProperty("latencyMs").GetDouble(), 1.0);
        Assert.Equal(0.25, o.GetProperty("samplingRate").GetDouble(), 1e-12); // ot=th:c keeps 1 - 0xc/16 of traces
        Assert.True(Result(o, "leakage").GetProperty("flagged").GetBoolean());

        var i = await StoredAsync($"{traceId}-00f067aa0ba902b8");
        Assert.Equal("mistral-7b", i.GetProperty("model").GetString());
        Assert.Equal("rag-api", i.GetProperty("route").GetString());
        Assert.Equal("Say hi.", i.GetProperty("prompt").GetString());
        Assert.Equal("", i.GetProperty("output").GetString());
        Assert.True(i.GetProperty("outputCaptured").GetBoolean());
        Assert.True(Result(i, "empty").GetProperty("flagged").GetBoolean()); // captured and empty: a real empty answer
    }

    [Fact]
    public async Task Takes_a_gzip_compressed_request()
    {
        var traceId = Guid.NewGuid().ToString("N");
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(Encoding.UTF8.GetBytes(JsonExport(traceId)));
        var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentType = new("application/json");
        content.Headers.ContentEncoding.Add("gzip");

        var response = await _client.PostAsync("/v1/traces", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accepted").GetInt32());
        await StoredAsync($"{traceId}-00f067aa0ba902b7");
    }

    [Fact]
    public async Task Rejects_a_bad_span_with_its_reason_and_a_malformed_body_and_keeps_both()
    {
        var traceId = Guid.NewGuid().ToString("N");
        var badSpan = JsonExport(traceId).Replace("{\"intValue\":4}", "{\"intValue\":\"99999999999\"}", StringComparison.Ordinal);

        var partial = await _client.PostAsync("/v1/traces", new StringContent(badSpan, Encoding.UTF8, "application/json"));
        var garbage = new ByteArrayContent([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]);
        garbage.Headers.ContentType = new("application/x-protobuf");
        var malformed = await _client.PostAsync("/v1/traces", garbage);

        Assert.Equal(HttpStatusCode.OK, partial.StatusCode);
        var answer = await partial.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, answer.GetProperty("accepted").GetInt32());
        Assert.Equal("1", answer.GetProperty("partialSuccess").GetProperty("rejectedSpans").GetString());
        Assert.Contains("gen_ai.usage.completion_tokens", answer.GetProperty("partialSuccess").GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        var rejection = answer.GetProperty("rejected")[0];
        Assert.Equal($"{traceId}-00f067aa0ba902b7", rejection.GetProperty("sampleId").GetString());
        Assert.Equal("completionTokens", rejection.GetProperty("errors")[0].GetProperty("field").GetString());

        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        var kept = await _app.Database.RejectedAsync();
        Assert.Equal(2, kept.Count);
        Assert.All(kept, k => Assert.Equal("otlp", k.Source));
        Assert.Contains(kept, k => k.SampleId == $"{traceId}-00f067aa0ba902b7" && k.Payload.Contains("99999999999", StringComparison.Ordinal));
        Assert.Contains(kept, k => k.SampleId is null && k.Payload.StartsWith("base64:", StringComparison.Ordinal) && k.Errors.Contains("otlp.protobuf", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Refuses_a_gzip_body_that_inflates_past_the_body_limit()
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
            gzip.Write(new byte[17 * 1024 * 1024]); // 17 MiB of zeros: a few KB on the wire, past the 16 MiB default
        var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentType = new("application/x-protobuf");
        content.Headers.ContentEncoding.Add("gzip");

        var response = await _client.PostAsync("/v1/traces", content);

        Assert.True(compressed.Length < 100_000);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Refuses_an_export_without_the_api_key()
    {
        using var anonymous = new HttpClient { BaseAddress = new Uri(_baseUrl) };

        var response = await anonymous.PostAsync("/v1/traces", new StringContent(JsonExport(Guid.NewGuid().ToString("N")), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
