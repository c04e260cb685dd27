using System.Runtime.InteropServices;
using System.Text.Json;
using Auditor.Contracts;

namespace Auditor.Server.Ingestion;

/// <summary>One record of a request body: its position, its JSON (or why it is not JSON), and its exact bytes.</summary>
public sealed record BodyRecord(int Index, JsonElement? Json, ContractViolation? ParseError, ReadOnlyMemory<byte> Raw);

/// <summary>
/// Splits a POST /api/v1/samples body into records: one JSON object, a JSON array of objects, or NDJSON
/// (application/x-ndjson, one object a line). A malformed JSON body is an error for the whole request;
/// a malformed NDJSON line is an error for that line only, so one bad line loses nothing else.
/// Records are kept as bytes, never decoded as a whole: text that is not UTF-8 inside one record is that record's
/// problem (the contract reader names the field), not a reason to fail or silently change the others.
/// </summary>
public static class IngestBody
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64 };

    public static bool IsNdjson(string? contentType) =>
        contentType is not null && (contentType.StartsWith("application/x-ndjson", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/jsonl", StringComparison.OrdinalIgnoreCase));

    public static bool IsJson(string? contentType) =>
        string.IsNullOrEmpty(contentType) || contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || contentType.Contains("+json", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a JSON body; throws <see cref="JsonException"/> when it is not JSON or not an object or array.</summary>
    public static IReadOnlyList<BodyRecord> ParseJson(ReadOnlyMemory<byte> body)
    {
        using var document = JsonDocument.Parse(body, Options);
        var root = document.RootElement;
        return root.ValueKind switch
        {
            JsonValueKind.Object => [Record(0, root)],
            JsonValueKind.Array => root.EnumerateArray().Select(Record).ToList(),
            _ => throw new JsonException($"The body must be a JSON object or an array of objects; got {root.ValueKind}."),
        };
    }

    public static IReadOnlyList<BodyRecord> ParseNdjson(ReadOnlyMemory<byte> body)
    {
        var records = new List<BodyRecord>();
        var rest = body;
        var lineNumber = 0;
        while (rest.Length > 0)
        {
            lineNumber++;
            var end = rest.Span.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? ReadOnlyMemory<byte>.Empty : rest[(end + 1)..];
            if (line.Length > 0 && line.Span[^1] == (byte)'\r')
                line = line[..^1];
            if (line.Span.Trim(" \t"u8).IsEmpty)
                continue;
            try
            {
                using var document = JsonDocument.Parse(line, Options);
                records.Add(new BodyRecord(records.Count, document.RootElement.Clone(), null, line));
            }
            catch (JsonException ex)
            {
                records.Add(new BodyRecord(records.Count, null,
                    new ContractViolation("$", "json", $"line {lineNumber} is not valid JSON: {ex.Message}"), line));
            }
        }
        return records;
    }

    private static BodyRecord Record(JsonElement element, int index) => Record(index, element);

    private static BodyRecord Record(int index, JsonElement element) =>
        new(index, element.Clone(), null, JsonMarshal.GetRawUtf8Value(element).ToArray());
}
