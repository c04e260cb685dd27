using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Auditor.Contracts;
using Google.Protobuf;

namespace Auditor.Cli.Bench;

/// <summary>
/// Bench samples in the formats of the other intake endpoints: LiteLLM StandardLoggingPayload records and OTLP
/// ExportTraceServiceRequests (protobuf, written with Google.Protobuf's wire writer, or JSON) of GenAI spans with content.
/// </summary>
public static class IntakePayloads
{
    public static JsonObject LiteLlmRecord(OutputSample s)
    {
        var end = s.OccurredAt!.Value.ToUnixTimeMilliseconds() / 1000.0;
        return new JsonObject
        {
            ["id"] = s.SampleId, ["call_type"] = "acompletion", ["status"] = "success", ["stream"] = false,
            ["model"] = s.Model, ["startTime"] = end - 1, ["endTime"] = end, ["completionStartTime"] = end,
            ["prompt_tokens"] = 20, ["completion_tokens"] = s.CompletionTokens, ["api_base"] = "http://bench:8000/v1",
            ["metadata"] = new JsonObject { ["requester_metadata"] = new JsonObject { ["auditor_route"] = s.Route } },
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "bench" }),
            ["response"] = new JsonObject
            {
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0, ["finish_reason"] = s.FinishReason,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = s.Output },
                }),
            },
            ["model_parameters"] = new JsonObject { ["max_tokens"] = s.MaxTokens, ["temperature"] = 0.7 },
        };
    }

    private static (byte[] TraceId, byte[] SpanId) Ids(OutputSample s)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(s.SampleId!));
        return (hash[..16], hash[16..24]);
    }

    private static IEnumerable<(string Key, object Value)> Attributes(OutputSample s) =>
    [
        ("gen_ai.operation.name", "chat"), ("gen_ai.request.model", s.Model!), ("auditor.route", s.Route!),
        ("gen_ai.response.finish_reasons", s.FinishReason!), ("gen_ai.usage.input_tokens", 20L),
        ("gen_ai.usage.output_tokens", (long)s.CompletionTokens!), ("gen_ai.request.max_tokens", (long)s.MaxTokens!),
        ("gen_ai.output.messages", JsonSerializer.Serialize(new[] { new { role = "assistant", parts = new[] { new { type = "text", content = s.Output } } } })),
    ];

    public static byte[] OtlpJson(IEnumerable<OutputSample> samples) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        resourceSpans = new[]
        {
            new
            {
                resource = new { attributes = new[] { new { key = "service.name", value = new { stringValue = "auditor-bench" } } } },
                scopeSpans = new[]
                {
                    new
                    {
                        scope = new { name = "bench" },
                        spans = samples.Select(s =>
                        {
                            var (trace, span) = Ids(s);
                            var end = (ulong)s.OccurredAt!.Value.ToUnixTimeMilliseconds() * 1_000_000UL;
                            return new
                            {
                                traceId = Convert.ToHexStringLower(trace), spanId = Convert.ToHexStringLower(span), name = "chat", kind = 3,
                                startTimeUnixNano = (end - 1_000_000_000UL).ToString(CultureInfo.InvariantCulture),
                                endTimeUnixNano = end.ToString(CultureInfo.InvariantCulture),
                                attributes = Attributes(s).Select(a => new
                                {
                                    key = a.Key,
                                    value = a.Value is long l ? (object)new { intValue = l.ToString(CultureInfo.InvariantCulture) } : new { stringValue = (string)a.Value },
                                }).ToArray(),
                            };
                        }).ToArray(),
                    },
                },
            },
        },
    });

    public static byte[] OtlpProtobuf(IEnumerable<OutputSample> samples)
    {
        var scopeSpans = Message(o =>
        {
            WriteField(o, 1, Message(x => x.WriteString("bench"), stringField: 1)); // InstrumentationScope { name = "bench" }
            foreach (var s in samples)
                WriteField(o, 2, Span(s));
        });
        var resource = Message(o => WriteField(o, 1, KeyValue("service.name", "auditor-bench")));
        var resourceSpans = Message(o =>
        {
            WriteField(o, 1, resource);
            WriteField(o, 2, scopeSpans);
        });
        return Message(o => WriteField(o, 1, resourceSpans));
    }

    private static byte[] Span(OutputSample s)
    {
        var (trace, span) = Ids(s);
        var end = (ulong)s.OccurredAt!.Value.ToUnixTimeMilliseconds() * 1_000_000UL;
        return Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(trace));
            o.WriteTag(2, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(span));
            o.WriteTag(5, WireFormat.WireType.LengthDelimited); o.WriteString("chat");
            o.WriteTag(6, WireFormat.WireType.Varint); o.WriteEnum(3);
            o.WriteTag(7, WireFormat.WireType.Fixed64); o.WriteFixed64(end - 1_000_000_000UL);
            o.WriteTag(8, WireFormat.WireType.Fixed64); o.WriteFixed64(end);
            foreach (var (key, value) in Attributes(s))
                WriteField(o, 9, KeyValue(key, value));
        });
    }

    private static byte[] KeyValue(string key, object value) => Message(o =>
    {
        o.WriteTag(1, WireFormat.WireType.LengthDelimited);
        o.WriteString(key);
        WriteField(o, 2, Message(v =>
        {
            if (value is long l)
            {
                v.WriteTag(3, WireFormat.WireType.Varint);
                v.WriteInt64(l);
            }
            else
            {
                v.WriteTag(1, WireFormat.WireType.LengthDelimited);
                v.WriteString((string)value);
            }
        }));
    });

    private static void WriteField(CodedOutputStream o, int field, byte[] message)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(message));
    }

    private static byte[] Message(Action<CodedOutputStream> write, int? stringField = null)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        if (stringField is { } f)
            output.WriteTag(f, WireFormat.WireType.LengthDelimited);
        write(output);
        output.Flush();
        return buffer.ToArray();
    }
}
