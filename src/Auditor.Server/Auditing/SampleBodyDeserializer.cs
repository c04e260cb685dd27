using System.Net.Mime;
using System.Runtime.Serialization;
using System.Text.Json;
using Auditor.Contracts;
using MassTransit;
using MassTransit.Serialization;

namespace Auditor.Server.Auditing;

/// <summary>
/// The samples endpoints' deserializer for plain JSON bodies: each body is parsed once and read by the contract's reader
/// (<see cref="OutputSampleJson.Read"/>) straight from the received bytes. MassTransit's raw JSON deserializer, which
/// this replaces on those endpoints only, parsed every body into a cloned JSON element, and reading a
/// <see cref="QueuedSample"/> from that element parsed it a second time (<see cref="QueuedSampleConverter"/>): about a
/// fifth of the consumer's allocated bytes (docs/scale.md). What a publisher sees is unchanged: the same JSON reader
/// options as MassTransit's (trailing commas and comments allowed; <see cref="SampleBodyJson"/>), a body that is not JSON still fails the receive
/// with a <see cref="SerializationException"/> (error queue, and rejected_samples through
/// <see cref="UnreadableMessageObserver"/>), an empty body still reads as <c>{}</c>, any message type header is
/// accepted, and MassTransit envelopes still go to MassTransit's own deserializer by their content type.
/// </summary>
public sealed class SampleBodyDeserializer : IMessageDeserializer
{
    private const RawSerializerOptions RawOptions = RawSerializerOptions.AnyMessageType;

    public ContentType ContentType => SystemTextJsonRawMessageSerializer.JsonContentType;

    public void Probe(ProbeContext context)
    {
        var scope = context.CreateScope("json");
        scope.Add("contentType", ContentType.MediaType);
        scope.Add("provider", "Auditor contract reader");
    }

    public ConsumeContext Deserialize(ReceiveContext receiveContext) =>
        new BodyConsumeContext(receiveContext, Deserialize(receiveContext.Body, receiveContext.TransportHeaders, receiveContext.InputAddress));

    public SerializerContext Deserialize(MessageBody body, Headers headers, Uri? destinationAddress = null)
    {
        var bytes = SampleBodyJson.OrEmptyObject(body.GetBytes());
        SampleReading reading;
        try
        {
            using var document = SampleBodyJson.Parse(bytes);
            reading = OutputSampleJson.Read(document.RootElement);
        }
        catch (JsonException ex)
        {
            throw new SerializationException($"The message body is not valid JSON: {ex.Message}", ex);
        }
        return new SampleSerializerContext(new QueuedSample(reading), bytes, ContentType, new RawMessageContext(headers, destinationAddress!, RawOptions),
            headers.GetMessageTypes());
    }

    public MessageBody GetMessageBody(string text) => new StringMessageBody(text);

    /// <summary>MassTransit's raw JSON context, holding the sample already read; other types are read from the bytes when asked.</summary>
    private sealed class SampleSerializerContext(QueuedSample sample, byte[] bytes, ContentType contentType, MessageContext messageContext, string[] messageTypes)
        : SystemTextJsonRawSerializerContext(SystemTextJsonMessageSerializer.Instance, SystemTextJsonMessageSerializer.Options, contentType, messageContext,
            messageTypes, RawOptions, default)
    {
        private JsonElement? _element;

        // Anything but the sample (a fault, a redelivery, another consumer's type) is rare: the body is parsed again then.
        private JsonElement Element => _element ??= JsonSerializer.Deserialize<JsonElement>(bytes, Options);

        public override bool TryGetMessage<T>(out T? message) where T : class
        {
            if (sample is T read)
            {
                message = read;
                return true;
            }
            message = IsSupportedMessageType<T>() ? Element.Deserialize<T>(Options) : null;
            return message is not null;
        }

        public override bool TryGetMessage(Type messageType, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out object? message)
        {
            message = messageType.IsInstanceOfType(sample) ? sample : Element.Deserialize(messageType, Options);
            return message is not null;
        }

        public override IMessageSerializer GetMessageSerializer() =>
            new SystemTextJsonBodyMessageSerializer(Element, ContentType, Options, RawOptions);
    }
}

/// <summary>Puts <see cref="SampleBodyDeserializer"/> on an endpoint (<c>AddDeserializer</c>); the endpoint sends nothing with it.</summary>
public sealed class SampleBodySerializerFactory : ISerializerFactory
{
    private readonly SampleBodyDeserializer _deserializer = new();

    public ContentType ContentType => _deserializer.ContentType;

    public IMessageSerializer CreateSerializer() => new SystemTextJsonRawMessageSerializer(RawSerializerOptions.AnyMessageType);

    public IMessageDeserializer CreateDeserializer() => _deserializer;
}
