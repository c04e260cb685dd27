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
    /// Reads one JSON value as a sample. A value that is not an object, or a field of the wrong JSON type,
    /// gives a violation naming the field instead of an exception.
    /// </summary>
    public static OutputSample? TryRead(JsonElement element, out ContractViolation? violation)
    {
        violation = null;
        if (element.ValueKind != JsonValueKind.Object)
        {
            violation = new ContractViolation("$", "sample.object", $"a sample must be a JSON object; got {element.ValueKind}.");
            return null;
        }
        try
        {
            return element.Deserialize<OutputSample>(Options);
        }
        catch (JsonException ex)
        {
            violation = TypeViolation(ex);
            return null;
        }
    }

    /// <summary>Describes a deserialization failure as a violation naming the JSON path it happened at.</summary>
    public static ContractViolation TypeViolation(JsonException ex)
    {
        var path = ex.Path ?? "$";
        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
        return new ContractViolation(field, "type", $"{field} has the wrong JSON type or format: {ex.Message}");
    }
}
