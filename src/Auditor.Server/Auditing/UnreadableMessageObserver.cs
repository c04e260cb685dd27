using Auditor.Contracts;
using Auditor.Storage;
using Auditor.Storage.Samples;
using MassTransit;
using RabbitMQ.Client.Exceptions;

namespace Auditor.Server.Auditing;

/// <summary>
/// A message that cannot be read as a sample at all (not JSON, or a field of the wrong JSON type) fails before any
/// consumer sees it; MassTransit moves it to the error queue with the exception in its headers. This observer also
/// keeps it in rejected_samples with the reason, so bad input is visible where every other rejection is. A receive cut
/// short by the transport (a stopping endpoint, a lost connection, a channel the broker closed) and a body that is a
/// valid sample are not recorded: such a message is returned to the queue and counted when it is read again. The body
/// is kept byte-exact (base64 when it is not UTF-8 text), and the observer never throws: a throwing receive observer
/// leaves the message unacknowledged, and enough of those stop the consumer.
/// </summary>
public sealed partial class UnreadableMessageObserver(SampleBatchWriter writer, OutputSampleValidator validator, ILogger<UnreadableMessageObserver> logger) : IReceiveObserver
{
    public Task PreReceive(ReceiveContext context) => Task.CompletedTask;

    public Task PostReceive(ReceiveContext context) => Task.CompletedTask;

    public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType) where T : class => Task.CompletedTask;

    public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception) where T : class =>
        Task.CompletedTask;

    public async Task ReceiveFault(ReceiveContext context, Exception exception)
    {
        // This runs inside MassTransit's receive pipeline: should it throw, the message is neither moved to the error
        // queue nor acknowledged, fills the prefetch and stops the consumer. So nothing may escape from here.
        try
        {
            await RecordAsync(context, exception);
        }
        catch (Exception ex)
        {
            LogNotKept(ex);
        }
    }

    private async Task RecordAsync(ReceiveContext context, Exception exception)
    {
        // A receive cut short by a stopping endpoint or a lost broker connection says nothing about the message: it
        // is returned to the queue and read again. Recording it would put a valid sample among the rejected.
        if (context.CancellationToken.IsCancellationRequested || IsTransportFault(exception))
            return;
        var body = context.Body.GetBytes();
        var (sampleId, violations, sample) = Describe(body, context.ContentType?.MediaType);
        // A body that is a valid sample is not unreadable, whatever cut its receive short (a transport fault this
        // release does not know by type): it is returned to the queue, read again and counted once. Unless MassTransit
        // itself could not deserialize it: then it will never be read, and keeping it here is all that keeps it.
        if (sample is not null && violations.Count == 0 && validator.Validate(sample).IsValid && !IsDeserializationFault(exception))
            return;
        // Otherwise the contract reader names what is wrong; anything else keeps MassTransit's reason.
        if (violations.Count == 0 && sample is not null)
            violations = validator.Check(sample);
        if (violations.Count == 0)
            violations = [new ContractViolation("$", "unreadable", $"MassTransit could not read the message: {exception.Message}")];
        // The exact bytes are kept: text when they are UTF-8 without NUL, else base64 (see RejectedPayload).
        var rejected = new RejectedSample(Source(context), sampleId, violations, RejectedPayload.FromBytes(body));
        // While the store is down, wait for it like the consumer does (bounded), so the copy is not lost to an outage.
        var delay = TimeSpan.FromMilliseconds(200);
        var giveUp = DateTime.UtcNow + StoreOutagePatience;
        while (true)
        {
            try
            {
                await writer.RecordRejectedAsync([rejected], CancellationToken.None);
                return;
            }
            catch (Exception ex) when (StoreFailure.IsTransient(ex) && DateTime.UtcNow < giveUp)
            {
                await Task.Delay(delay);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }

    /// <summary>How long an unreadable message's copy waits for the store before the error queue alone keeps it.</summary>
    internal static TimeSpan StoreOutagePatience { get; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A stopping endpoint or a lost broker connection, anywhere in the exception's chain (MassTransit wraps the
    /// client's own exceptions, such as RabbitMQ.Client's OperationInterruptedException when the broker closes a channel).
    /// </summary>
    internal static bool IsTransportFault(Exception exception)
    {
        var pending = new Stack<Exception>([exception]);
        while (pending.TryPop(out var e))
        {
            if (e is OperationCanceledException or ConnectionException or TransportException or OperationInterruptedException or BrokerUnreachableException)
                return true;
            if (e is AggregateException aggregate)
                aggregate.InnerExceptions.ToList().ForEach(pending.Push);
            else if (e.InnerException is { } inner)
                pending.Push(inner);
        }
        return false;
    }

    /// <summary>MassTransit's deserializer failed on the body (it throws System.Runtime.Serialization.SerializationException), or a JSON error, anywhere in the chain.</summary>
    internal static bool IsDeserializationFault(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is System.Runtime.Serialization.SerializationException or System.Text.Json.JsonException)
                return true;
        }
        return false;
    }

    /// <summary>The sample id, what makes the body unreadable as a sample (none when it reads as one), and the sample read.</summary>
    internal static (string? SampleId, IReadOnlyList<ContractViolation> Violations, OutputSample? Sample) Describe(byte[] body, string? mediaType = null)
    {
        var incoming = IncomingSample.FromBody(body, mediaType);
        return (incoming.SampleId, incoming.ReadErrors, incoming.Sample);
    }

    private static string Source(ReceiveContext context) =>
        context.InputAddress?.Scheme is { } scheme && scheme.StartsWith("rabbitmq", StringComparison.Ordinal) ? "rabbitmq" : "bus";

    [LoggerMessage(Level = LogLevel.Error, Message = "An unreadable message could not be recorded in rejected_samples; it remains in the error queue")]
    private partial void LogNotKept(Exception exception);
}
