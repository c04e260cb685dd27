using System.Text;
using Auditor.Cli.Ship;

namespace Auditor.Cli.Tests;

public sealed class ChatLogMapperTests
{
    private const string Line = """
        {"timestamp":"2026-11-24T10:00:00Z","latency_ms":812,"time_to_first_token_ms":95,"metadata":{"route":"support/answer","deployment":"h100-fp8","feature":"faq"},
         "request":{"model":"req-model","max_tokens":512,"temperature":0.2,"messages":[{"role":"user","content":"first"},{"role":"assistant","content":"x"},{"role":"user","content":"last question"}]},
         "response":{"id":"chatcmpl-1","model":"qwen2.5-7b-instruct","choices":[{"index":0,"message":{"role":"assistant","content":"An answer."},"finish_reason":"stop"}],"usage":{"prompt_tokens":41,"completion_tokens":48}}}
        """;

    private static MappedLine Map(string line, string? routeField = null) =>
        new ChatLogMapper(new ChatLogMapping(routeField, null)).Map(Encoding.UTF8.GetBytes(line.ReplaceLineEndings("")));

    [Fact]
    public void Maps_a_chat_completion_line_to_the_contract()
    {
        var sample = Map(Line).Sample!;

        Assert.Equal("chatcmpl-1", sample.SampleId);
        Assert.Equal(DateTimeOffset.Parse("2026-11-24T10:00:00Z"), sample.OccurredAt);
        Assert.Equal("qwen2.5-7b-instruct", sample.Model);
        Assert.Equal("support/answer", sample.Route);
        Assert.Equal("h100-fp8", sample.Deployment);
        Assert.Equal("last question", sample.Prompt);
        Assert.Equal("An answer.", sample.Output);
        Assert.Equal("stop", sample.FinishReason);
        Assert.Equal((41, 48, 512), (sample.PromptTokens, sample.CompletionTokens, sample.MaxTokens));
        Assert.Equal((812.0, 95.0), (sample.LatencyMs, sample.TimeToFirstTokenMs));
        Assert.Equal(0.2, sample.Params!["temperature"].GetDouble());
    }

    [Fact]
    public void Takes_the_route_from_the_configured_field_or_else_the_request_path()
    {
        Assert.Equal("faq", Map(Line, routeField: "metadata.feature").Sample!.Route);
        var withPath = """{"path":"/v1/chat/completions","response":{"id":"a","model":"m","choices":[{"message":{"content":"hi"},"finish_reason":"stop"}]}}""";
        Assert.Equal("/v1/chat/completions", Map(withPath).Sample!.Route);
        Assert.Contains("metadata.missing", Map(Line, routeField: "metadata.missing").Reason);
    }

    [Theory]
    [InlineData("stop", "stop")]
    [InlineData("eos", "stop")]
    [InlineData("length", "length")]
    [InlineData("max_tokens", "length")]
    [InlineData("content_filter", "content_filter")]
    [InlineData("function_call", "tool_calls")]
    [InlineData("tool_calls", "tool_calls")]
    [InlineData("abort", "error")]
    [InlineData("something_new", "other")]
    public void Maps_provider_finish_reasons_onto_the_contract_set(string given, string expected) =>
        Assert.Equal(expected, ChatLogMapper.MapFinishReason(given));

    [Fact]
    public void Gives_a_line_without_a_response_id_a_stable_id_from_its_hash()
    {
        var line = """{"metadata":{"route":"r"},"response":{"model":"m","choices":[{"message":{"content":"hi"},"finish_reason":"stop"}]}}""";
        var first = Map(line).Sample!.SampleId;
        Assert.StartsWith("line-", first);
        Assert.Equal(first, Map(line).Sample!.SampleId);
        Assert.NotEqual(first, Map(line.Replace("hi", "ho")).Sample!.SampleId);
    }

    [Fact]
    public void Maps_a_tool_call_without_text_to_an_empty_output()
    {
        var line = """{"metadata":{"route":"r"},"response":{"id":"t","model":"m","choices":[{"message":{"content":null,"tool_calls":[{"id":"c"}]},"finish_reason":"tool_calls"}]}}""";
        var sample = Map(line).Sample!;
        Assert.Equal(("", "tool_calls"), (sample.Output, sample.FinishReason));
    }

    [Theory]
    [InlineData("{\"metadata\": {", "not valid JSON")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("{\"metadata\":{\"route\":\"r\"},\"response\":{\"id\":\"x\",\"model\":\"m\",\"error\":{}}}", "no choices[0]")]
    [InlineData("{\"response\":{\"id\":\"x\",\"choices\":[{\"message\":{\"content\":\"a\"}}]},\"metadata\":{\"route\":\"r\"}}", "no model")]
    [InlineData("{\"response\":{\"id\":\"x\",\"model\":\"m\",\"choices\":[{\"message\":{\"content\":\"a\"}}]}}", "no route")]
    public void Gives_the_reason_for_a_line_it_cannot_map(string line, string reason)
    {
        var mapped = Map(line);
        Assert.Null(mapped.Sample);
        Assert.Contains(reason, mapped.Reason);
    }
}
