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
    private static readonly string[] FieldNames =
    [
        "schemaVersion", "sampleId", "occurredAt", "model", "route", "deployment", "prompt", "output", "finishReason",
        "promptTokens", "completionTokens", "maxTokens", "latencyMs", "timeToFirstTokenMs", "samplingRate", "params", "attributes",
    ];

    // A decoded key's field (its index in FieldNames), compared as the deserializer compares names.
    private static readonly Dictionary<string, int> FieldIndexByName =
        FieldNames.Select((f, i) => (f, i)).ToDictionary(x => x.f, x => x.i, StringComparer.OrdinalIgnoreCase);

    private static readonly byte[][] FieldNamesUtf8 = FieldNames.Select(Encoding.ASCII.GetBytes).ToArray();

    public static void Scan(JsonElement root, List<ContractViolation> into)
    {
        // Keys are compared case-insensitively (OrdinalIgnoreCase). A contract field's key is found in its raw bytes and
        // marked in a bit of its own, without a string; any other key is decoded and kept in a set made when one appears.
        // Both ways give the same verdicts: no other key equals a field's name ignoring case.
        var seenFields = 0UL;
        HashSet<string>? seenOthers = null;
        foreach (var property in root.EnumerateObject())
        {
            var index = FieldIndex(JsonMarshal.GetRawUtf8PropertyName(property));
            if (index < 0)
            {
                if (!TryName(property, "json", "$", into, out var name))
                    continue;
                if (!FieldIndexByName.TryGetValue(name, out index))
                {
                    seenOthers ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                    if (!seenOthers.Add(name))
                        AddDuplicate(name, into);
                    ScanValue(property.Value, "json", name, into);
                    continue;
                }
            }
            var path = FieldNames[index];
            var bit = 1UL << index;
            if ((seenFields & bit) != 0)
                AddDuplicate(path, into);
            seenFields |= bit;
            ScanValue(property.Value, path, path, into);
        }
    }

    // The index of the contract field a raw key names when it is plain ASCII without escapes (then it is valid UTF-8, hides
    // no surrogate and is its own text), compared as OrdinalIgnoreCase compares ASCII; -1 for any other key.
    private static int FieldIndex(ReadOnlySpan<byte> raw)
    {
        if (raw.IndexOf((byte)'\\') >= 0)
            return -1;
        for (var i = 0; i < FieldNamesUtf8.Length; i++)
        {
            if (raw.Length == FieldNamesUtf8[i].Length && Ascii.EqualsIgnoreCase(raw, FieldNamesUtf8[i]))
                return i;
        }
        return -1;
    }

    private static void AddDuplicate(string path, List<ContractViolation> into) =>
        into.Add(new ContractViolation(path, "json.duplicateKey",
            $"{path} appears more than once in the sample; send each field once (which copy counts would be a guess)."));

    private static void ScanValue(JsonElement value, string prefix, string path, List<ContractViolation> into)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                if (MayHideSurrogate(JsonMarshal.GetRawUtf8Value(value), prefix, path, key: false, into) && !Decodes(value))
                    AddSurrogate(prefix, path, key: false, into);
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
        if (MayHideSurrogate(JsonMarshal.GetRawUtf8PropertyName(property), prefix, path, key: true, into) && !DecodesName(property))
            AddSurrogate(prefix, path, key: true, into);
        if (into.Count > before)
            return false;
        name = property.Name;
        return true;
    }

    // The raw token is checked first: valid UTF-8 without a \u escape cannot hold a lone surrogate, so the string is
    // only decoded when an escape could hide one. Runs for every key and string of every sample: nothing is allocated
    // unless something is wrong (the path of a key is only spelled out for a violation).
    private static bool MayHideSurrogate(ReadOnlySpan<byte> raw, string prefix, string path, bool key, List<ContractViolation> into)
    {
        if (!Utf8.IsValid(raw))
        {
            var where = key ? $"{path} (a key)" : path;
            into.Add(new ContractViolation(where, $"{prefix}.utf8",
                $"{where} holds bytes that are not UTF-8 (first bad byte at offset {IndexOfInvalidUtf8(raw)} of its JSON text); send UTF-8 text."));
            return false;
        }
        return raw.IndexOf("\\u"u8) >= 0;
    }

    private static void AddSurrogate(string prefix, string path, bool key, List<ContractViolation> into)
    {
        var where = key ? $"{path} (a key)" : path;
        into.Add(new ContractViolation(where, $"{prefix}.surrogate",
            $"{where} holds an escaped lone UTF-16 surrogate (such as \\udc00): it is not a character and no store can hold it."));
    }

    private static bool Decodes(JsonElement value)
    {
        try
        {
            _ = value.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static bool DecodesName(JsonProperty property)
    {
        try
        {
            _ = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
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
