using Google.Protobuf;

namespace Auditor.Server.Ingestion.Otlp;

/// <summary>
/// Reads an ExportTraceServiceRequest in the protobuf encoding with Google.Protobuf's wire reader, hand-written for
/// the messages and fields named in <see cref="OtlpSpan"/> (no generated code: this receiver needs a dozen fields).
/// Unknown fields are skipped, as protobuf requires. Field numbers are those of opentelemetry-proto v1.
/// </summary>
public static class OtlpProtobufReader
{
    // AnyValue nests through ArrayValue and KeyValueList; no GenAI attribute needs more than a few levels.
    private const int MaxValueDepth = 16;

    public static IReadOnlyList<OtlpSpan> Read(byte[] body)
    {
        try
        {
            var spans = new List<OtlpSpan>();
            var input = new CodedInputStream(body);
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                if (Field(tag) == 1) // ExportTraceServiceRequest.resource_spans
                    ReadResourceSpans(input.ReadBytes(), spans);
                else
                    input.SkipLastField();
            }
            return spans;
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new OtlpFormatException($"The body is not an OTLP ExportTraceServiceRequest in protobuf: {ex.Message}");
        }
    }

    private static int Field(uint tag) => WireFormat.GetTagFieldNumber(tag);

    private static void ReadResourceSpans(ByteString bytes, List<OtlpSpan> spans)
    {
        IReadOnlyDictionary<string, object?> resource = new Dictionary<string, object?>();
        var scopes = new List<ByteString>();
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (Field(tag))
            {
                case 1: resource = ReadResource(input.ReadBytes()); break;
                case 2: scopes.Add(input.ReadBytes()); break;
                default: input.SkipLastField(); break;
            }
        }
        // The resource may follow its scopes on the wire: read the scopes once it is known.
        foreach (var scope in scopes)
            ReadScopeSpans(scope, resource, spans);
    }

    private static Dictionary<string, object?> ReadResource(ByteString bytes)
    {
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (Field(tag) == 1)
                ReadKeyValue(input.ReadBytes(), attributes, 0);
            else
                input.SkipLastField();
        }
        return attributes;
    }

    private static void ReadScopeSpans(ByteString bytes, IReadOnlyDictionary<string, object?> resource, List<OtlpSpan> spans)
    {
        var scopeName = "";
        var spanBytes = new List<ByteString>();
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (Field(tag))
            {
                case 1: scopeName = ReadScopeName(input.ReadBytes()); break;
                case 2: spanBytes.Add(input.ReadBytes()); break;
                default: input.SkipLastField(); break;
            }
        }
        foreach (var span in spanBytes)
            spans.Add(ReadSpan(span, resource, scopeName));
    }

    private static string ReadScopeName(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (Field(tag) == 1)
                return input.ReadString();
            input.SkipLastField();
        }
        return "";
    }

    private static OtlpSpan ReadSpan(ByteString bytes, IReadOnlyDictionary<string, object?> resource, string scopeName)
    {
        byte[] traceId = [], spanId = [];
        string traceState = "", name = "", statusMessage = "";
        ulong start = 0, end = 0;
        var status = OtlpStatusCode.Unset;
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
        var events = new List<OtlpSpanEvent>();
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (Field(tag))
            {
                case 1: traceId = input.ReadBytes().ToByteArray(); break;
                case 2: spanId = input.ReadBytes().ToByteArray(); break;
                case 3: traceState = input.ReadString(); break;
                case 5: name = input.ReadString(); break;
                case 7: start = input.ReadFixed64(); break;
                case 8: end = input.ReadFixed64(); break;
                case 9: ReadKeyValue(input.ReadBytes(), attributes, 0); break;
                case 11: events.Add(ReadEvent(input.ReadBytes())); break;
                case 15: (status, statusMessage) = ReadStatus(input.ReadBytes()); break;
                default: input.SkipLastField(); break;
            }
        }
        return new OtlpSpan(traceId, spanId, traceState, name, start, end, attributes, events, status, statusMessage, resource, scopeName);
    }

    private static OtlpSpanEvent ReadEvent(ByteString bytes)
    {
        ulong time = 0;
        var name = "";
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (Field(tag))
            {
                case 1: time = input.ReadFixed64(); break;
                case 2: name = input.ReadString(); break;
                case 3: ReadKeyValue(input.ReadBytes(), attributes, 0); break;
                default: input.SkipLastField(); break;
            }
        }
        return new OtlpSpanEvent(name, time, attributes);
    }

    private static (OtlpStatusCode, string) ReadStatus(ByteString bytes)
    {
        var code = OtlpStatusCode.Unset;
        var message = "";
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (Field(tag))
            {
                case 2: message = input.ReadString(); break;
                case 3: code = (OtlpStatusCode)input.ReadEnum(); break;
                default: input.SkipLastField(); break;
            }
        }
        return (code, message);
    }

    // KeyValue { string key = 1; AnyValue value = 2; }
    private static void ReadKeyValue(ByteString bytes, Dictionary<string, object?> into, int depth)
    {
        var key = "";
        object? value = null;
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (Field(tag))
            {
                case 1: key = input.ReadString(); break;
                case 2: value = ReadAnyValue(input.ReadBytes(), depth + 1); break;
                default: input.SkipLastField(); break;
            }
        }
        into[key] = value;
    }

    // AnyValue: oneof string_value = 1, bool_value = 2, int_value = 3, double_value = 4, array_value = 5,
    // kvlist_value = 6, bytes_value = 7.
    private static object? ReadAnyValue(ByteString bytes, int depth)
    {
        if (depth > MaxValueDepth)
            throw new OtlpFormatException($"An attribute value nests deeper than {MaxValueDepth} levels.");
        object? value = null;
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (Field(tag))
            {
                case 1: value = input.ReadString(); break;
                case 2: value = input.ReadBool(); break;
                case 3: value = input.ReadInt64(); break;
                case 4: value = input.ReadDouble(); break;
                case 5: value = ReadValues(input.ReadBytes(), depth); break;
                case 6:
                    var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                    var kv = input.ReadBytes().CreateCodedInput();
                    uint t;
                    while ((t = kv.ReadTag()) != 0)
                    {
                        if (Field(t) == 1)
                            ReadKeyValue(kv.ReadBytes(), map, depth);
                        else
                            kv.SkipLastField();
                    }
                    value = map;
                    break;
                case 7: value = input.ReadBytes().ToByteArray(); break;
                default: input.SkipLastField(); break;
            }
        }
        return value;
    }

    private static List<object?> ReadValues(ByteString bytes, int depth)
    {
        var values = new List<object?>();
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (Field(tag) == 1)
                values.Add(ReadAnyValue(input.ReadBytes(), depth + 1));
            else
                input.SkipLastField();
        }
        return values;
    }
}
