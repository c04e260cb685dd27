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
    public void A_valid_sample_reads_without_a_violation_and_a_broken_body_is_named()
    {
        var valid = JsonSerializer.Serialize(TestSamples.Valid("fault-1"), new JsonSerializerOptions(JsonSerializerDefaults.Web));
        var (id, violation, sample) = UnreadableMessageObserver.Describe(valid);
        Assert.Equal(("fault-1", null), (id, violation));
        Assert.Equal("fault-1", sample!.SampleId);

        Assert.Equal("json", UnreadableMessageObserver.Describe("this is not json {").Violation!.Rule);
        var typed = UnreadableMessageObserver.Describe("""{"sampleId":"typed-1","completionTokens":"many"}""");
        Assert.Equal("typed-1", typed.SampleId);
        Assert.Contains("completionTokens", typed.Violation!.Field, StringComparison.OrdinalIgnoreCase);
    }
}
