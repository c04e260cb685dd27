using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Auditor.Contracts;

/// <summary>
/// Finds, before a sample is deserialized, what System.Text.Json would either throw on in the middle of reading
/// (bytes that are not UTF-8, an escaped lone surrogate such as <c>"\udc00"</c>) or silently resolve (a key given
/// twice, where the last would win). Each finding names the field, so the sample is rejected with a rule instead of
/// failing as a whole request or message.
/// </summary>
internal static class JsonTextScan
{
    // Contract fields, matched case-insensitively like the deserializer does; anything else reports under "json".
    private static readonly Dictionary<string, string> Fields = new[]
    {
        "schemaVersion", "sampleId", "occurredAt", "model", "route", "deployment", "prompt", "output", "finishReason",
        "promptTokens", "completionTokens", "maxTokens", "latencyMs", "timeToFirstTokenMs", "samplingRate", "params", "attributes",
    }.ToDictionary(f => f, f => f, StringComparer.OrdinalIgnoreCase);

    public static void Scan(JsonElement root, List<ContractViolation> into)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in root.EnumerateObject())
        {
            if (!TryName(property, "json", "$", into, out var name))
                continue;
            var prefix = Fields.TryGetValue(name, out var field) ? field : "json";
            var path = field ?? name;
            if (!seen.Add(name))
                into.Add(new ContractViolation(path, "json.duplicateKey",
                    $"{path} appears more than once in the sample; send each field once (which copy counts would be a guess)."));
            ScanValue(property.Value, prefix, path, into);
        }
    }

    private static void ScanValue(JsonElement value, string prefix, string path, List<ContractViolation> into)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                CheckText(JsonMarshal.GetRawUtf8Value(value), () => value.GetString(), prefix, path, into);
                break;
            case JsonValueKind.Object:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in value.EnumerateObject())
                {
                    if (!TryName(property, prefix, path, into, out var name))
                        continue;
                    var childPath = $"{path}.{name}";
                    if (!seen.Add(name))
                        into.Add(new ContractViolation(childPath, "json.duplicateKey",
                            $"{childPath} appears more than once; send each key once (which copy counts would be a guess)."));
                    ScanValue(property.Value, prefix, childPath, into);
                }
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in value.EnumerateArray())
                    ScanValue(item, prefix, $"{path}[{i++}]", into);
                break;
        }
    }

    private static bool TryName(JsonProperty property, string prefix, string path, List<ContractViolation> into, out string name)
    {
        name = "";
        var before = into.Count;
        CheckText(JsonMarshal.GetRawUtf8PropertyName(property), () => property.Name, prefix, $"{path} (a key)", into);
        if (into.Count > before)
            return false;
        name = property.Name;
        return true;
    }

    // The raw token is checked first: valid UTF-8 without a \u escape cannot hold a lone surrogate, so the string is
    // only decoded when an escape could hide one.
    private static void CheckText(ReadOnlySpan<byte> raw, Func<string?> decode, string prefix, string path, List<ContractViolation> into)
    {
        if (!Utf8.IsValid(raw))
        {
            into.Add(new ContractViolation(path, $"{prefix}.utf8",
                $"{path} holds bytes that are not UTF-8 (first bad byte at offset {IndexOfInvalidUtf8(raw)} of its JSON text); send UTF-8 text."));
            return;
        }
        if (raw.IndexOf("\\u"u8) < 0)
            return;
        try
        {
            decode();
        }
        catch (InvalidOperationException)
        {
            into.Add(new ContractViolation(path, $"{prefix}.surrogate",
                $"{path} holds an escaped lone UTF-16 surrogate (such as \\udc00): it is not a character and no store can hold it."));
        }
    }

    private static int IndexOfInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes[i..], out _, out var consumed) != OperationStatus.Done)
                return i;
            i += consumed;
        }
        return -1;
    }

    /// <summary>The sample id as far as it can be read: its text, or the raw JSON of a string that does not decode; null when absent.</summary>
    public static string? SampleIdOf(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            return null;
        foreach (var property in root.EnumerateObject())
        {
            if (!Utf8.IsValid(JsonMarshal.GetRawUtf8PropertyName(property))
                || !property.NameEquals("sampleId") || property.Value.ValueKind != JsonValueKind.String)
                continue;
            var raw = JsonMarshal.GetRawUtf8Value(property.Value);
            try
            {
                return property.Value.GetString();
            }
            catch (InvalidOperationException)
            {
                // Kept as the escaped JSON text ("x\udc00"), so the publisher can still find the sample they sent.
                return Encoding.UTF8.GetString(raw.Length >= 2 ? raw[1..^1] : raw);
            }
        }
        return null;
    }
}
