using System.Text.Json;
using System.Text.Json.Serialization;
using Auditor.Contracts;
using MassTransit;

namespace Auditor.Server.Auditing;

/// <summary>
/// The samples queue's message as the consumer takes it: what the contract's reader made of the body. MassTransit parses
/// a body once into a JSON element (raw JSON, or the <c>message</c> of an envelope) and hands that element to
/// <see cref="QueuedSampleConverter"/>, which reads it with <see cref="OutputSampleJson.Read"/>, the reader HTTP intake
/// uses, so every path applies the same rules (strict types, duplicate keys, text no store can hold) and a body is not
/// deserialized a second time into a sample MassTransit's lenient reader would have made. A body that breaks the
/// contract arrives with its violations, never as an exception. The message URN is OutputSample's, so the server's own
/// sends (HTTP intake over RabbitMQ, in MassTransit envelopes typed OutputSample) are read as this.
/// </summary>
[MessageUrn("Auditor.Contracts:OutputSample")]
[JsonConverter(typeof(QueuedSampleConverter))]
public sealed class QueuedSample(SampleReading reading)
{
    public SampleReading Reading { get; } = reading;
}

/// <summary>Reads a <see cref="QueuedSample"/> with the contract's reader; writes it as the sample's contract JSON.</summary>
public sealed class QueuedSampleConverter : JsonConverter<QueuedSample>
{
    public override QueuedSample Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return new QueuedSample(OutputSampleJson.Read(document.RootElement));
    }

    public override void Write(Utf8JsonWriter writer, QueuedSample value, JsonSerializerOptions options)
    {
        if (value.Reading.Sample is { } sample)
            JsonSerializer.Serialize(writer, sample, OutputSampleJson.Options);
        else
            writer.WriteNullValue();
    }
}
