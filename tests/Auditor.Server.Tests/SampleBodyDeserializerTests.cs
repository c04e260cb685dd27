using System.Runtime.Serialization;
using System.Text;
using Auditor.Server.Auditing;
using MassTransit;
using MassTransit.Serialization;

namespace Auditor.Server.Tests;

/// <summary>
/// The samples endpoints' deserializer parses each plain JSON body once; what it reads must be what MassTransit's raw JSON
/// deserializer (which it replaced) and the contract reader made of the same bytes, hostile bodies included.
/// </summary>
public sealed class SampleBodyDeserializerTests
{
    private const string Valid = """{"sampleId":"s-1","occurredAt":"2026-11-24T10:00:00Z","model":"m","route":"r","output":"hello"}""";

    public static TheoryData<string> Bodies => new()
    {
        Valid,
        // MassTransit's reader options: a trailing comma and comments are accepted.
        """{"sampleId":"s-2","occurredAt":"2026-11-24T10:00:00Z","model":"m","route":"r","output":"hi",}""",
        """{"sampleId":"s-3", /* note */ "occurredAt":"2026-11-24T10:00:00Z","model":"m","route":"r","output":"hi"}""",
        // An empty body reads as {}: every required field missing.
        "",
        "[1, 2]",
        """{"sampleId":"s-4","sampleId":"s-5","model":"m","route":"r","output":"x"}""",
        """{"sampleId":"s-6","occurredAt":"2026-11-24T10:00:00Z","model":"m","route":"r","output":"lone \ud800 surrogate"}""",
        """{"sampleId":"s-7","occurredAt":"2026-11-24T10:00:00Z","model":"m","route":"r","output":"nul \u0000 inside"}""",
        """{"sampleId":"s-8","occurredAt":"2026-11-24T10:00:00Z","model":"m","route":"r","output":"x","latencyMs":1e400}""",
        """{"sampleId":9,"model":"m","route":"r","output":"x"}""",
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Reads_a_body_as_MassTransits_raw_JSON_deserializer_and_the_contract_reader_did(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var before = Read(new SystemTextJsonRawMessageSerializer(RawSerializerOptions.AnyMessageType), bytes);
        var now = Read(new SampleBodyDeserializer(), bytes);

        Assert.Equal(before.SampleId, now.SampleId);
        Assert.Equal(before.Sample is null, now.Sample is null);
        Assert.Equal(before.Sample?.Output, now.Sample?.Output);
        Assert.Equal(before.Violations.Select(v => (v.Field, v.Rule, v.Message)), now.Violations.Select(v => (v.Field, v.Rule, v.Message)));
    }

    [Fact]
    public void Reads_invalid_UTF_8_with_the_same_violations_as_before()
    {
        var bytes = Encoding.UTF8.GetBytes(Valid.Replace("hello", "he#lo", StringComparison.Ordinal));
        bytes[Array.IndexOf(bytes, (byte)'#')] = 0xFF;
        var before = Read(new SystemTextJsonRawMessageSerializer(RawSerializerOptions.AnyMessageType), bytes);
        var now = Read(new SampleBodyDeserializer(), bytes);

        Assert.Null(now.Sample);
        Assert.NotEmpty(now.Violations);
        Assert.Equal(before.Violations.Select(v => v.Rule), now.Violations.Select(v => v.Rule));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"sampleId\":")]
    public void A_body_that_is_not_JSON_fails_the_receive_as_before(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        Assert.Throws<SerializationException>(() => Read(new SystemTextJsonRawMessageSerializer(RawSerializerOptions.AnyMessageType), bytes));
        var thrown = Assert.Throws<SerializationException>(() => Read(new SampleBodyDeserializer(), bytes));
        Assert.True(UnreadableMessageObserver.IsDeserializationFault(thrown));
    }

    [Fact]
    public void Gives_the_body_as_JSON_to_whoever_asks_for_another_type()
    {
        var context = new SampleBodyDeserializer().Deserialize(new BytesMessageBody(Encoding.UTF8.GetBytes(Valid)), EmptyHeaders());

        Assert.True(context.TryGetMessage<System.Text.Json.Nodes.JsonObject>(out var json));
        Assert.Equal("s-1", (string?)json!["sampleId"]);
    }

    public static TheoryData<string> HostileBodies => new()
    {
        Valid,
        """{"sampleId":"h-1","occurredAt":"2026-11-24T10:00:00Z","model":"m","route":"r","output":"hi",}""",
        "{\"sampleId\":\"h-2\", // a line comment\n\"occurredAt\":\"2026-11-24T10:00:00Z\",\"model\":\"m\",\"route\":\"r\",\"output\":\"hi\"}",
        """{"sampleId":"h-3", /* note */ "model":"m","route":"r","output":"x"}""",
        "",
        "   ",
        "not json",
        "{\"sampleId\":",
        """{"sampleId":'h-4'}""",
        """{"sampleId":"h-5","latencyMs":NaN}""",
        """{"sampleId":"h-6",,"model":"m"}""",
        """[1, 2,]""",
        """{"sampleId":"h-7"} trailing""",
        """{"sampleId":"h-8"}{"sampleId":"h-9"}""",
        new string('[', 65) + new string(']', 65),
        new string('[', 63) + new string(']', 63),
        """{"sampleId":"h-10","output":"nul \u0000 and lone \ud800"}""",
        "\uFEFF{\"sampleId\":\"h-11\"}",
    };

    [Theory]
    [MemberData(nameof(HostileBodies))]
    public void The_endpoint_and_the_unreadable_message_path_accept_and_refuse_the_same_bodies(string body)
    {
        // The endpoint's deserializer and IncomingSample.FromBody (what UnreadableMessageObserver records) must parse
        // alike: a body one accepts and the other refuses would be kept in rejected_samples for the wrong reason.
        var bytes = Encoding.UTF8.GetBytes(body);
        var fromBody = IncomingSample.FromBody(bytes, "application/json");
        var refusedThere = fromBody.ReadErrors.Any(e => e.Rule == "json");

        SerializationException? thrown = null;
        Auditor.Contracts.SampleReading? read = null;
        try
        {
            read = Read(new SampleBodyDeserializer(), bytes);
        }
        catch (SerializationException ex)
        {
            thrown = ex;
        }

        Assert.Equal(thrown is not null, refusedThere);
        if (read is not null)
        {
            Assert.Equal(read.SampleId, fromBody.SampleId);
            Assert.Equal(read.Violations.Select(v => (v.Field, v.Rule, v.Message)), fromBody.ReadErrors.Select(v => (v.Field, v.Rule, v.Message)));
            Assert.Equal(read.Sample?.Output, fromBody.Sample?.Output);
        }
    }

    private static Auditor.Contracts.SampleReading Read(IMessageDeserializer deserializer, byte[] body)
    {
        var context = deserializer.Deserialize(new BytesMessageBody(body), EmptyHeaders());
        Assert.True(context.TryGetMessage<QueuedSample>(out var message));
        return message!.Reading;
    }

    private static DictionarySendHeaders EmptyHeaders() => new(new Dictionary<string, object?>());
}
