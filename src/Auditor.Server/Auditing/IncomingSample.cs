using System.Text.Json;
using Auditor.Contracts;
using Auditor.Storage.Samples;

namespace Auditor.Server.Auditing;

/// <summary>
/// A sample as it arrived: what reading it gave (the sample, or why it could not be read), and a way to get its exact
/// payload should it have to be kept as rejected.
/// </summary>
public sealed record IncomingSample(OutputSample? Sample, string? SampleId, IReadOnlyList<ContractViolation> ReadErrors, Func<RejectedPayload> Payload)
{
    /// <summary>A sample read elsewhere, with its payload as text.</summary>
    public IncomingSample(OutputSample sample, Func<string> payload)
        : this(sample, sample.SampleId, [], () => RejectedPayload.FromText(payload()))
    {
    }

    /// <summary>
    /// Reads a queue message body with the contract's reader, the same one HTTP intake uses, so every path applies the
    /// same rules (text that is not UTF-8, lone surrogates, duplicate keys, strict types). A MassTransit envelope is
    /// read for its <c>message</c>; any other body is the sample itself.
    /// </summary>
    public static IncomingSample FromBody(byte[] body, string? mediaType)
    {
        var payload = () => RejectedPayload.FromBytes(body);
        try
        {
            // The deserializer's own options (SampleBodyJson): a body accepted there is read alike here, and one refused there
            // is refused here with the same parser's message.
            using var document = SampleBodyJson.Parse(body);
            var root = document.RootElement;
            if (IsEnvelope(mediaType) && root.ValueKind == JsonValueKind.Object && root.TryGetProperty("message", out var message))
                root = message;
            var reading = OutputSampleJson.Read(root);
            return new IncomingSample(reading.Sample, reading.SampleId, reading.Violations, payload);
        }
        catch (JsonException ex)
        {
            return new IncomingSample(null, null, [new ContractViolation("$", "json", $"the message body is not valid JSON: {ex.Message}")], payload);
        }
    }

    private static bool IsEnvelope(string? mediaType) =>
        mediaType is not null && mediaType.StartsWith("application/vnd.masstransit", StringComparison.OrdinalIgnoreCase);
}
