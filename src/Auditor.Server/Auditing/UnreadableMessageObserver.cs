using System.Data.Common;
using System.Text;
using System.Text.Json;
using Auditor.Contracts;
using Auditor.Storage.Samples;
using MassTransit;
using RabbitMQ.Client.Exceptions;

namespace Auditor.Server.Auditing;

/// <summary>
/// A message that cannot be read as a sample at all (not JSON, or a field of the wrong JSON type) fails before any
/// consumer sees it; MassTransit moves it to the error queue with the exception in its headers. This observer also
/// keeps it in rejected_samples with the reason, so bad input is visible where every other rejection is. A receive cut
/// short by the transport (a stopping endpoint, a lost connection, a channel the broker closed) and a body that is a
/// valid sample are not recorded: such a message is returned to the queue and counted when it is read again.
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
        // A receive cut short by a stopping endpoint or a lost broker connection says nothing about the message: it
        // is returned to the queue and read again. Recording it would put a valid sample among the rejected.
        if (context.CancellationToken.IsCancellationRequested || IsTransportFault(exception))
            return;
        var payload = Encoding.UTF8.GetString(context.Body.GetBytes());
        var (sampleId, violation, sample) = Describe(payload);
        // A body that is a valid sample is not unreadable, whatever cut its receive short (a transport fault this
        // release does not know by type): it is returned to the queue, read again and counted once.
        if (sample is not null && violation is null && validator.Validate(sample).IsValid)
            return;
        // Otherwise the contract reader names the field of the wrong type; anything else keeps MassTransit's reason.
        violation ??= new ContractViolation("$", "unreadable", exception.Message);
        var rejected = new RejectedSample(Source(context), sampleId, [violation], payload);
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
            catch (Exception ex) when (ex is DbException or TimeoutException && DateTime.UtcNow < giveUp)
            {
                await Task.Delay(delay);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
            catch (Exception ex)
            {
                // The message is still in the error queue with its exception: nothing is lost, only this copy.
                LogNotKept(ex);
                return;
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

    /// <summary>The sample id, what makes the body unreadable as a sample (none when it reads as one), and the sample read.</summary>
    internal static (string? SampleId, ContractViolation? Violation, OutputSample? Sample) Describe(string payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            string? id = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("sampleId", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            var sample = OutputSampleJson.TryRead(root, out var violation);
            return (id, violation, sample);
        }
        catch (JsonException ex)
        {
            return (null, new ContractViolation("$", "json", $"the message body is not valid JSON: {ex.Message}"), null);
        }
    }

    private static string Source(ReceiveContext context) =>
        context.InputAddress?.Scheme is { } scheme && scheme.StartsWith("rabbitmq", StringComparison.Ordinal) ? "rabbitmq" : "bus";

    [LoggerMessage(Level = LogLevel.Error, Message = "An unreadable message could not be recorded in rejected_samples; it remains in the error queue")]
    private partial void LogNotKept(Exception exception);
}
