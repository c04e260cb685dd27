namespace Auditor.Server.Ingestion.Otlp;

/// <summary>
/// The part of an OTLP trace export this receiver reads (opentelemetry/proto/trace/v1/trace.proto and common.proto):
/// per span its ids, trace state, name, times, attributes, events and status, with its resource's attributes and its
/// instrumentation scope's name. Links, flags, dropped counts and schema URLs are skipped. Attribute values are
/// string, bool, long, double, byte[], a list of values or a dictionary (AnyValue).
/// </summary>
public sealed record OtlpSpan(
    byte[] TraceId,
    byte[] SpanId,
    string TraceState,
    string Name,
    ulong StartTimeUnixNano,
    ulong EndTimeUnixNano,
    IReadOnlyDictionary<string, object?> Attributes,
    IReadOnlyList<OtlpSpanEvent> Events,
    OtlpStatusCode StatusCode,
    string StatusMessage,
    IReadOnlyDictionary<string, object?> ResourceAttributes,
    string ScopeName);

/// <summary>A span event (Span.Event): name, time and attributes.</summary>
public sealed record OtlpSpanEvent(string Name, ulong TimeUnixNano, IReadOnlyDictionary<string, object?> Attributes);

/// <summary>Status.StatusCode.</summary>
public enum OtlpStatusCode
{
    Unset = 0,
    Ok = 1,
    Error = 2,
}

/// <summary>An OTLP body that is not a valid export request; the message says where.</summary>
public sealed class OtlpFormatException(string message) : Exception(message);
