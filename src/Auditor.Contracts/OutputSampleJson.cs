using System.Text.Json;
using System.Text.Json.Serialization;

namespace Auditor.Contracts;

/// <summary>The JSON settings of the wire contract (camelCase, nulls omitted) and a reader that turns type errors into violations.</summary>
public static class OutputSampleJson
{
    /// <summary>Serializer options every publisher and the server use for <see cref="OutputSample"/>.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Numbers as strings ("12") are a type error on the wire, not something to guess at.
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>Serializes a sample to contract JSON.</summary>
    public static string Serialize(OutputSample sample) => JsonSerializer.Serialize(sample, Options);

    /// <summary>
    /// Reads one JSON value as a sample. A value that is not an object, a field of the wrong JSON type, text that is
    /// not UTF-8 or holds an escaped lone surrogate, or a key given twice gives violations naming the field instead of
    /// an exception. The contract rules themselves are <see cref="OutputSampleValidator"/>'s.
    /// </summary>
    public static SampleReading Read(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
            return new SampleReading(null, null,
                [new ContractViolation("$", "sample.object", $"a sample must be a JSON object; got {element.ValueKind}.")]);
        var found = new List<ContractViolation>();
        JsonTextScan.Scan(element, found);
        // The id as far as it can be read is looked for only when the sample cannot be read (a readable one carries its own).
        if (found.Count > 0)
            return new SampleReading(null, JsonTextScan.SampleIdOf(element), found);
        try
        {
            var sample = element.Deserialize<OutputSample>(Options);
            return sample is null
                ? new SampleReading(null, JsonTextScan.SampleIdOf(element), [new ContractViolation("$", "sample.object", "a sample must be a JSON object; got null.")])
                : new SampleReading(sample, sample.SampleId, []);
        }
        catch (JsonException ex)
        {
            return new SampleReading(null, JsonTextScan.SampleIdOf(element), [TypeViolation(ex)]);
        }
    }

    /// <summary>Reads one JSON value as a sample; the first violation when it cannot be read (see <see cref="Read"/>).</summary>
    public static OutputSample? TryRead(JsonElement element, out ContractViolation? violation)
    {
        var reading = Read(element);
        violation = reading.Violations.Count > 0 ? reading.Violations[0] : null;
        return reading.Sample;
    }

    /// <summary>Describes a deserialization failure as a violation naming the JSON path it happened at.</summary>
    public static ContractViolation TypeViolation(JsonException ex)
    {
        var path = ex.Path ?? "$";
        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
        var root = field.Split('.', '[')[0];
        var expected = ExpectedTypes.TryGetValue(root, out var e) ? e : "a value of the documented type";
        return new ContractViolation(field, "type", $"{field} must be {expected}.");
    }

    private static readonly Dictionary<string, string> ExpectedTypes = new(StringComparer.Ordinal)
    {
        ["schemaVersion"] = "a whole number",
        ["sampleId"] = "a string",
        ["occurredAt"] = "an RFC 3339 time string such as 2026-11-24T10:00:00Z",
        ["model"] = "a string",
        ["route"] = "a string",
        ["deployment"] = "a string",
        ["prompt"] = "a string",
        ["output"] = "a string",
        ["outputCaptured"] = "true or false",
        ["finishReason"] = "a string",
        ["promptTokens"] = "a whole number",
        ["completionTokens"] = "a whole number",
        ["maxTokens"] = "a whole number",
        ["latencyMs"] = "a number",
        ["timeToFirstTokenMs"] = "a number",
        ["samplingRate"] = "a number",
        ["params"] = "a JSON object",
        ["attributes"] = "a JSON object whose values are strings",
    };
}

/// <summary>What reading one JSON value as a sample gave.</summary>
/// <param name="Sample">The sample, when it could be read (it may still break contract rules).</param>
/// <param name="SampleId">The sample id as far as it could be read, for reporting a rejection.</param>
/// <param name="Violations">Why it could not be read; empty when <paramref name="Sample"/> is set.</param>
public sealed record SampleReading(OutputSample? Sample, string? SampleId, IReadOnlyList<ContractViolation> Violations);
