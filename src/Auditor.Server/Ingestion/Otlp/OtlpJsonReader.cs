using System.Globalization;
using System.Text.Json;

namespace Auditor.Server.Ingestion.Otlp;

/// <summary>
/// Reads an ExportTraceServiceRequest in the OTLP/JSON encoding: protobuf's JSON mapping with lowerCamelCase names,
/// trace and span ids as hex (not base64), enums as numbers, 64-bit integers as strings or numbers. Unknown fields are
/// ignored, as the OTLP specification asks of receivers.
/// </summary>
public static class OtlpJsonReader
{
    private const int MaxDepth = 64;

    public static IReadOnlyList<OtlpSpan> Read(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new OtlpFormatException($"An OTLP/JSON export request is a JSON object; got {root.ValueKind}.");
            var spans = new List<OtlpSpan>();
            foreach (var resourceSpans in Array(root, "resourceSpans"))
            {
                var resource = resourceSpans.TryGetProperty("resource", out var r) && r.ValueKind == JsonValueKind.Object
                    ? Attributes(r) : new Dictionary<string, object?>();
                foreach (var scopeSpans in Array(resourceSpans, "scopeSpans"))
                {
                    var scope = scopeSpans.TryGetProperty("scope", out var s) && s.ValueKind == JsonValueKind.Object ? String(s, "name") : "";
                    foreach (var span in Array(scopeSpans, "spans"))
                        spans.Add(ReadSpan(span, resource, scope));
                }
            }
            return spans;
        }
        catch (JsonException ex)
        {
            throw new OtlpFormatException($"The body is not valid JSON: {ex.Message}");
        }
    }

    private static OtlpSpan ReadSpan(JsonElement span, IReadOnlyDictionary<string, object?> resource, string scope)
    {
        if (span.ValueKind != JsonValueKind.Object)
            throw new OtlpFormatException($"A span must be a JSON object; got {span.ValueKind}.");
        var events = Array(span, "events").Select(e => new OtlpSpanEvent(String(e, "name"), Fixed64(e, "timeUnixNano"), Attributes(e))).ToList();
        var status = OtlpStatusCode.Unset;
        var statusMessage = "";
        if (span.TryGetProperty("status", out var st) && st.ValueKind == JsonValueKind.Object)
        {
            status = st.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.Number && code.TryGetInt32(out var c) ? (OtlpStatusCode)c : OtlpStatusCode.Unset;
            statusMessage = String(st, "message");
        }
        return new OtlpSpan(Hex(span, "traceId"), Hex(span, "spanId"), String(span, "traceState"), String(span, "name"),
            Fixed64(span, "startTimeUnixNano"), Fixed64(span, "endTimeUnixNano"), Attributes(span), events, status, statusMessage, resource, scope);
    }

    private static IEnumerable<JsonElement> Array(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var a)
            ? a.ValueKind == JsonValueKind.Array ? a.EnumerateArray() : a.ValueKind == JsonValueKind.Null ? [] : throw new OtlpFormatException($"{name} must be a JSON array.")
            : [];

    private static string String(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    private static byte[] Hex(JsonElement o, string name)
    {
        var text = String(o, name);
        try
        {
            return Convert.FromHexString(text);
        }
        catch (FormatException)
        {
            throw new OtlpFormatException($"{name} must be hex (OTLP/JSON encodes ids as hex, not base64); got '{(text.Length > 64 ? text[..64] + "…" : text)}'.");
        }
    }

    private static ulong Fixed64(JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out var v))
            return 0;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetUInt64(out var n))
            return n;
        if (v.ValueKind == JsonValueKind.String && ulong.TryParse(v.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out n))
            return n;
        throw new OtlpFormatException($"{name} must be a whole number of nanoseconds (a string or a number).");
    }

    private static Dictionary<string, object?> Attributes(JsonElement o)
    {
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var kv in Array(o, "attributes"))
            attributes[String(kv, "key")] = kv.TryGetProperty("value", out var value) ? AnyValue(value) : null;
        return attributes;
    }

    private static object? AnyValue(JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Object)
            return null;
        foreach (var p in v.EnumerateObject())
        {
            switch (p.Name)
            {
                case "stringValue": return p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : null;
                case "boolValue": return p.Value.ValueKind is JsonValueKind.True or JsonValueKind.False ? p.Value.GetBoolean() : null;
                case "intValue":
                    if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt64(out var i))
                        return i;
                    return p.Value.ValueKind == JsonValueKind.String && long.TryParse(p.Value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out i) ? i : null;
                case "doubleValue":
                    // Protobuf's JSON mapping writes NaN and the infinities as strings; the contract rejects them later.
                    if (p.Value.ValueKind == JsonValueKind.Number)
                        return p.Value.GetDouble();
                    return p.Value.ValueKind == JsonValueKind.String && double.TryParse(p.Value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
                case "arrayValue": return Array(p.Value, "values").Select(AnyValue).ToList();
                case "kvlistValue":
                    var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                    foreach (var kv in Array(p.Value, "values"))
                        map[String(kv, "key")] = kv.TryGetProperty("value", out var value) ? AnyValue(value) : null;
                    return map;
                case "bytesValue":
                    return p.Value.ValueKind == JsonValueKind.String && p.Value.TryGetBytesFromBase64(out var bytes) ? bytes : null;
            }
        }
        return null;
    }
}
