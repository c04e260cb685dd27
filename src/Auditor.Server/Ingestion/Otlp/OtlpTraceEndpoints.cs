using System.Diagnostics.Metrics;
using System.IO.Compression;
using System.Text.Json;
using Auditor.Contracts;
using Auditor.Server.Configuration;
using Auditor.Server.Pipeline;
using Auditor.Storage.Samples;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Ingestion.Otlp;

/// <summary>
/// POST /v1/traces: an OTLP/HTTP trace receiver. Protobuf (application/x-protobuf) or JSON (application/json), either
/// gzip-compressed (Content-Encoding: gzip). GenAI spans become samples and take the path of POST /api/v1/samples;
/// other spans are ignored and counted. The answer is OTLP's: 200 with an ExportTraceServiceResponse in the request's
/// encoding, whose partial_success counts the rejected GenAI spans and says why; the JSON answer also carries the
/// samples endpoint's {accepted, rejected} and the number of ignored spans.
/// </summary>
public static class OtlpTraceEndpoints
{
    public const string Path = "/v1/traces";

    private static readonly Meter Meter = new("Auditor.Ingestion");
    private static readonly Counter<long> Spans = Meter.CreateCounter<long>("auditor.ingest.otlp.spans", "{span}",
        "Spans received on POST /v1/traces, by outcome: accepted, rejected (a GenAI span breaking the contract) or ignored (not GenAI).");

    // An explicit static constructor makes the fields above initialize when the endpoint is mapped at start, not at the
    // first request: the counter is then published with the other instruments (dashboards and alert rules may name it).
    static OtlpTraceEndpoints()
    {
    }

    public static IEndpointRouteBuilder MapOtlpTraces(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path, ReceiveAsync)
            .AllowAnonymous() // exporters authenticate with the ingestion API key (OTEL_EXPORTER_OTLP_HEADERS=X-Api-Key=...)
            .AddEndpointFilter<RequireApiKey>()
            .WithName("OtlpTraces");
        return app;
    }

    private static async Task<IResult> ReceiveAsync(HttpRequest request, HttpResponse httpResponse, IOptions<AuditorOptions> options, SampleIntake intake,
        PipelineMonitor monitor, SampleBatchWriter writer, CancellationToken ct)
    {
        // OTLP/HTTP: 503 with Retry-After is retryable, so an exporter resends the batch later instead of dropping it.
        if (intake.IsSaturated)
        {
            monitor.IntakeRefused("saturated");
            return SamplesIngestionEndpoints.NotAcknowledged(new IntakeResult(IntakeStatus.Saturated), httpResponse, options.Value.Pipeline.RetryAfterSeconds);
        }
        var limit = options.Value.Ingest.MaxBodyBytes;
        var protobuf = IsProtobuf(request.ContentType);
        if (!protobuf && !IngestBody.IsJson(request.ContentType))
            return SamplesIngestionEndpoints.Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type",
                $"Send OTLP as application/x-protobuf or application/json; got '{request.ContentType}'.");
        var raw = await SamplesIngestionEndpoints.ReadBodyAsync(request, limit, ct);
        if (raw is null)
            return TooLarge(limit);

        byte[] body;
        var encoding = request.Headers.ContentEncoding.ToString();
        if (encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase))
        {
            body = Gunzip(raw.Value, limit, out var problem) ?? [];
            if (problem is not null)
                return problem == "size" ? TooLarge(limit) : await MalformedAsync(writer, raw.Value, protobuf, problem, ct);
        }
        else if (encoding.Length == 0 || encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
            body = raw.Value.ToArray();
        else
            return SamplesIngestionEndpoints.Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported content encoding",
                $"Send the body uncompressed or with Content-Encoding: gzip; got '{encoding}'.");

        IReadOnlyList<OtlpSpan> spans;
        try
        {
            spans = protobuf ? OtlpProtobufReader.Read(body) : OtlpJsonReader.Read(body);
        }
        catch (OtlpFormatException ex)
        {
            return await MalformedAsync(writer, body, protobuf, ex.Message, ct);
        }

        var settings = options.Value.Ingest.Otlp;
        var records = new List<IntakeRecord>();
        var ignored = 0;
        foreach (var span in spans)
        {
            if (!GenAiSpanMapper.IsGenAi(span))
            {
                ignored++;
                continue;
            }
            var sample = GenAiSpanMapper.Map(span, settings, out var violation);
            records.Add(new IntakeRecord(records.Count, sample, violation, SpanText(span), sample is null ? IdOf(span) : null));
        }
        IngestResponse response;
        if (records.Count == 0)
            response = new IngestResponse(0, []);
        else
        {
            var answer = await intake.AcceptAsync(records, "otlp", ct);
            if (!answer.Acknowledged)
                return SamplesIngestionEndpoints.NotAcknowledged(answer.Intake, httpResponse, options.Value.Pipeline.RetryAfterSeconds, answer.RejectedKept);
            response = answer.Response;
        }
        Spans.Add(response.Accepted, new KeyValuePair<string, object?>("outcome", "accepted"));
        Spans.Add(response.Rejected.Count, new KeyValuePair<string, object?>("outcome", "rejected"));
        Spans.Add(ignored, new KeyValuePair<string, object?>("outcome", "ignored"));

        var message = response.Rejected.Count == 0 ? "" : string.Join("; ", response.Rejected.Take(10).Select(r =>
            $"span {r.SampleId ?? "#" + r.Index}: {string.Join(" ", r.Errors.Select(e => e.Message))}"));
        if (protobuf)
            return Results.Bytes(ExportResponse(response.Rejected.Count, message), "application/x-protobuf");
        return Results.Json(new OtlpJsonResponse(
            response.Rejected.Count == 0 ? null : new OtlpPartialSuccess(response.Rejected.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), message),
            response.Accepted, response.Rejected, ignored));
    }

    /// <summary>The JSON answer: OTLP's partialSuccess (rejectedSpans as a string, as protobuf's JSON mapping writes int64) and the samples endpoint's body.</summary>
    public sealed record OtlpJsonResponse(OtlpPartialSuccess? PartialSuccess, int Accepted, IReadOnlyList<IngestRejection> Rejected, int IgnoredSpans);

    public sealed record OtlpPartialSuccess(string RejectedSpans, string ErrorMessage);

    private static bool IsProtobuf(string? contentType) =>
        contentType is not null && contentType.StartsWith("application/x-protobuf", StringComparison.OrdinalIgnoreCase);

    // ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1 { int64 rejected_spans = 1; string error_message = 2; } }.
    // Empty when every span was taken, as OTLP asks.
    private static byte[] ExportResponse(int rejected, string message)
    {
        if (rejected == 0)
            return [];
        using var partial = new MemoryStream();
        var p = new CodedOutputStream(partial);
        p.WriteTag(1, WireFormat.WireType.Varint);
        p.WriteInt64(rejected);
        p.WriteTag(2, WireFormat.WireType.LengthDelimited);
        p.WriteString(message);
        p.Flush();
        using var outer = new MemoryStream();
        var o = new CodedOutputStream(outer);
        o.WriteTag(1, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(partial.ToArray()));
        o.Flush();
        return outer.ToArray();
    }

    // A body that cannot be read at all is kept whole in rejected_samples (protobuf as base64), then answered 400:
    // OTLP clients do not retry a 400.
    private static async Task<IResult> MalformedAsync(SampleBatchWriter writer, ReadOnlyMemory<byte> body, bool protobuf, string reason, CancellationToken ct)
    {
        var violation = new ContractViolation("$", protobuf ? "otlp.protobuf" : "otlp.json", reason);
        var payload = protobuf ? "base64:" + Convert.ToBase64String(body.Span) : System.Text.Encoding.UTF8.GetString(body.Span);
        await writer.RecordRejectedAsync([new RejectedSample("otlp", null, [violation], payload)], ct);
        return SamplesIngestionEndpoints.Problem(StatusCodes.Status400BadRequest, "Malformed OTLP request", reason);
    }

    private static IResult TooLarge(long limit) =>
        SamplesIngestionEndpoints.Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large",
            $"The body (decompressed) is larger than {limit} bytes (Auditor:Ingest:MaxBodyBytes). Lower the exporter's batch size.");

    // Decompresses at most `limit` bytes, so a small gzip bomb cannot fill memory.
    private static byte[]? Gunzip(ReadOnlyMemory<byte> body, long limit, out string? problem)
    {
        problem = null;
        try
        {
            using var input = new GZipStream(new MemoryStream(body.ToArray()), CompressionMode.Decompress);
            using var output = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = input.Read(chunk)) > 0)
            {
                if (output.Length + read > limit)
                {
                    problem = "size";
                    return null;
                }
                output.Write(chunk, 0, read);
            }
            return output.ToArray();
        }
        catch (InvalidDataException ex)
        {
            problem = $"Content-Encoding is gzip but the body is not gzip data: {ex.Message}";
            return null;
        }
    }

    private static string? IdOf(OtlpSpan span) =>
        span.TraceId.Length > 0 && span.SpanId.Length > 0 ? Convert.ToHexStringLower(span.TraceId) + "-" + Convert.ToHexStringLower(span.SpanId) : null;

    // The span as JSON, kept with a rejection so the reason can be checked against what was sent.
    private static string SpanText(OtlpSpan span) => JsonSerializer.Serialize(new
    {
        traceId = Convert.ToHexStringLower(span.TraceId), spanId = Convert.ToHexStringLower(span.SpanId), span.TraceState, span.Name,
        startTimeUnixNano = span.StartTimeUnixNano.ToString(System.Globalization.CultureInfo.InvariantCulture),
        endTimeUnixNano = span.EndTimeUnixNano.ToString(System.Globalization.CultureInfo.InvariantCulture),
        attributes = span.Attributes, events = span.Events, status = new { code = (int)span.StatusCode, message = span.StatusMessage },
        resource = span.ResourceAttributes, scope = span.ScopeName,
    }, SampleJsonOptions);

    private static readonly JsonSerializerOptions SampleJsonOptions = new(JsonSerializerDefaults.Web)
    {
        // Non-finite doubles can arrive in attributes; they are written as strings rather than failing the record.
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
