using System.Text.Json;

namespace Auditor.Cli.Ship;

/// <summary>
/// What every JSON log-line mapper reads a line with: the line parsed as one JSON object (or the reason it is not),
/// and typed field reads that answer null for a missing field or one of another JSON type, never throw.
/// </summary>
internal static class LogLineJson
{
    /// <summary>The line as a JSON object; null, with the rejection to record, when it is not JSON or not an object.</summary>
    public static JsonDocument? ParseObject(ReadOnlySpan<byte> line, out MappedLine? rejected)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line.ToArray());
        }
        catch (JsonException ex)
        {
            rejected = MappedLine.Rejected($"not valid JSON: {ex.Message}");
            return null;
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            rejected = MappedLine.Rejected("the line is not a JSON object");
            return null;
        }
        rejected = null;
        return document;
    }

    public static JsonElement? Object(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : null;

    public static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    public static double? Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
