using System.Text;
using System.Text.Json;
using Auditor.Contracts;

namespace Auditor.Server.Ingestion;

/// <summary>One record of a request body: its position, its JSON (or why it is not JSON), and its exact text.</summary>
public sealed record BodyRecord(int Index, JsonElement? Json, ContractViolation? ParseError, string Text);

/// <summary>
/// Splits a POST /api/v1/samples body into records: one JSON object, a JSON array of objects, or NDJSON
/// (application/x-ndjson, one object a line). A malformed JSON body is an error for the whole request;
/// a malformed NDJSON line is an error for that line only, so one bad line loses nothing else.
/// </summary>
public static class IngestBody
{
    public static bool IsNdjson(string? contentType) =>
        contentType is not null && (contentType.StartsWith("application/x-ndjson", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/jsonl", StringComparison.OrdinalIgnoreCase));

    public static bool IsJson(string? contentType) =>
        string.IsNullOrEmpty(contentType) || contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || contentType.Contains("+json", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a JSON body; throws <see cref="JsonException"/> when it is not JSON or not an object or array.</summary>
    public static IReadOnlyList<BodyRecord> ParseJson(ReadOnlyMemory<byte> body)
    {
        using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        var root = document.RootElement;
        return root.ValueKind switch
        {
            JsonValueKind.Object => [new BodyRecord(0, root.Clone(), null, root.GetRawText())],
            JsonValueKind.Array => root.EnumerateArray().Select((e, i) => new BodyRecord(i, e.Clone(), null, e.GetRawText())).ToList(),
            _ => throw new JsonException($"The body must be a JSON object or an array of objects; got {root.ValueKind}."),
        };
    }

    public static IReadOnlyList<BodyRecord> ParseNdjson(ReadOnlyMemory<byte> body)
    {
        var records = new List<BodyRecord>();
        var text = Encoding.UTF8.GetString(body.Span);
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line))
                continue;
            try
            {
                using var document = JsonDocument.Parse(line);
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
}
