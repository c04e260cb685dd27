using System.Text.Json;
using Auditor.Server.Auditing;
using Auditor.Testing;
using MassTransit;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Auditor.Server.Tests;

/// <summary>
/// What the receive observer records as unreadable: only a body that is not a valid sample. A broker closing its channel
/// mid-receive (seen in the fault test: a valid sample recorded as "unreadable" with RabbitMQ.Client's
/// OperationInterruptedException as the reason, while it was also counted) is a transport fault, not the message's.
/// </summary>
public sealed class UnreadableMessageObserverTests
{
    private static readonly OperationInterruptedException ChannelClosed =
        new(new ShutdownEventArgs(ShutdownInitiator.Peer, 320, "CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'"));

    public static TheoryData<Exception> TransportFaults => new()
    {
        ChannelClosed,
        new InvalidOperationException("The AMQP operation was interrupted", ChannelClosed),
        new AggregateException(new FormatException("other"), ChannelClosed),
        new RabbitMqConnectionException("connection lost"),
        new OperationCanceledException(),
    };

    [Theory]
    [MemberData(nameof(TransportFaults))]
    public void A_lost_channel_or_connection_anywhere_in_the_chain_is_a_transport_fault(Exception exception) =>
        Assert.True(UnreadableMessageObserver.IsTransportFault(exception));

    [Fact]
    public void A_deserialization_failure_is_not_a_transport_fault() =>
        Assert.False(UnreadableMessageObserver.IsTransportFault(new InvalidOperationException("bad body", new JsonException("unexpected token"))));

    [Fact]
    public void A_failure_of_MassTransits_deserializer_is_told_from_a_transport_fault()
    {
        Assert.True(UnreadableMessageObserver.IsDeserializationFault(
            new InvalidOperationException("receive", new System.Runtime.Serialization.SerializationException("An exception occurred while deserializing the message"))));
        Assert.False(UnreadableMessageObserver.IsDeserializationFault(new InvalidOperationException("receive", ChannelClosed)));
    }

    [Fact]
    public void A_valid_sample_reads_without_a_violation_and_a_broken_body_is_named()
    {
        var valid = JsonSerializer.SerializeToUtf8Bytes(TestSamples.Valid("fault-1"), new JsonSerializerOptions(JsonSerializerDefaults.Web));
        var (id, violations, sample) = UnreadableMessageObserver.Describe(valid);
        Assert.Equal("fault-1", id);
        Assert.Empty(violations);
        Assert.Equal("fault-1", sample!.SampleId);

        Assert.Equal("json", Assert.Single(UnreadableMessageObserver.Describe("this is not json {"u8.ToArray()).Violations).Rule);
        var typed = UnreadableMessageObserver.Describe("""{"sampleId":"typed-1","completionTokens":"many"}"""u8.ToArray());
        Assert.Equal("typed-1", typed.SampleId);
        Assert.Contains("completionTokens", Assert.Single(typed.Violations).Field, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_lone_surrogate_in_the_sample_id_or_bytes_that_are_not_UTF8_are_named_not_thrown()
    {
        var surrogate = UnreadableMessageObserver.Describe("""{"sampleId":"x\udc00","model":"m"}"""u8.ToArray());
        Assert.Equal(("x\\udc00", "sampleId.surrogate"), (surrogate.SampleId, Assert.Single(surrogate.Violations).Rule));

        byte[] notUtf8 = [(byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)'}'];
        Assert.Equal("json.utf8", Assert.Single(UnreadableMessageObserver.Describe(notUtf8).Violations).Rule);
    }
}
