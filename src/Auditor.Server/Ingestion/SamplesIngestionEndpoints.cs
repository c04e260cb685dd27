using System.Text.Json;
using Auditor.Contracts;
using Auditor.Server.Configuration;
using Auditor.Server.Pipeline;
using Auditor.Storage.Samples;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Ingestion;

/// <summary>One rejected record of an ingestion request.</summary>
public sealed record IngestRejection(int Index, string? SampleId, IReadOnlyList<ContractViolation> Errors);

/// <summary>202 body of POST /api/v1/samples.</summary>
public sealed record IngestResponse(int Accepted, IReadOnlyList<IngestRejection> Rejected);

public static class SamplesIngestionEndpoints
{
    /// <summary>POST /api/v1/samples: validate at the edge, keep rejections, answer 202 once the rest is durable (503 + Retry-After when saturated).</summary>
    public static IEndpointRouteBuilder MapSamplesIngestion(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/samples", IngestAsync)
            .AllowAnonymous() // ingestion authenticates with its API key, not a user
            .AddEndpointFilter<RequireApiKey>()
            .WithName("IngestSamples");
        return app;
    }

    private static async Task<Results<Accepted<IngestResponse>, ProblemHttpResult>> IngestAsync(
        HttpRequest request, HttpResponse response, IOptions<AuditorOptions> options, SampleIntake intake, PipelineMonitor monitor,
        SampleBatchWriter writer, CancellationToken ct)
    {
        var (body, refusal) = await ReadIfTakenAsync(request, response, options.Value, intake, monitor, "Send fewer samples per request.", ct);
        if (refusal is not null)
            return refusal;

        IReadOnlyList<BodyRecord> records;
        if (IngestBody.IsNdjson(request.ContentType))
            records = IngestBody.ParseNdjson(body);
        else if (IngestBody.IsJson(request.ContentType))
        {
            try
            {
                records = IngestBody.ParseJson(body);
            }
            catch (JsonException ex)
            {
                return await MalformedAsync(writer, body, "http", ex.Message, ct);
            }
        }
        else
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type",
                $"Send application/json (one object or an array) or application/x-ndjson; got '{request.ContentType}'.");
        if (records.Count == 0)
            return Problem(StatusCodes.Status400BadRequest, "No samples", "The body holds no sample.");
        var answer = await intake.AcceptJsonAsync(records, "http", ct);
        return answer.Acknowledged
            ? TypedResults.Accepted((string?)null, answer.Response)
            : NotAcknowledged(answer.Intake, response, options.Value.Pipeline.RetryAfterSeconds, answer.RejectedKept);
    }

    /// <summary>
    /// What every intake endpoint does before reading its format: refuse at once (503 + Retry-After) when the pipeline is
    /// saturated, so a flood costs no memory; read at most Auditor:Ingest:MaxBodyBytes (413 past it, with the advice given).
    /// </summary>
    internal static async Task<(ReadOnlyMemory<byte> Body, ProblemHttpResult? Refusal)> ReadIfTakenAsync(HttpRequest request, HttpResponse response,
        AuditorOptions options, SampleIntake intake, PipelineMonitor monitor, string tooLargeAdvice, CancellationToken ct)
    {
        if (intake.IsSaturated)
        {
            monitor.IntakeRefused("saturated");
            return (default, NotAcknowledged(new IntakeResult(IntakeStatus.Saturated), response, options.Pipeline.RetryAfterSeconds));
        }
        var limit = options.Ingest.MaxBodyBytes;
        return await ReadBodyAsync(request, limit, ct) is { } body
            ? (body, null)
            : (default, Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large",
                $"The body is larger than {limit} bytes (Auditor:Ingest:MaxBodyBytes). {tooLargeAdvice}"));
    }

    /// <summary>
    /// 400 for a whole body that is not JSON at all, which is kept too (its first 64 KiB and its length), so nothing a
    /// client sent disappears without a trace.
    /// </summary>
    internal static async Task<ProblemHttpResult> MalformedAsync(SampleBatchWriter writer, ReadOnlyMemory<byte> body, string source, string error,
        CancellationToken ct)
    {
        var problem = new ContractViolation("$", "json", $"the request body is not valid JSON: {error}");
        await writer.RecordRejectedAsync([new RejectedSample(source, null, [problem], RejectedPayload.FromBytes(body.Span, RejectedPayload.MaxWholeBodyBytes))], ct);
        return Problem(StatusCodes.Status400BadRequest, "Malformed JSON", $"{error} The body was kept in rejected_samples (rule json).");
    }

    /// <summary>The answer to a request whose valid samples are not durable: 503 with Retry-After (500 when the commit failed), saying what to do.</summary>
    internal static ProblemHttpResult NotAcknowledged(IntakeResult result, HttpResponse response, int retryAfter, int rejectedKept = 0)
    {
        var kept = rejectedKept > 0 ? $" The request's {rejectedKept} rejected records are kept in rejected_samples." : "";
        if (result.Status == IntakeStatus.Failed)
            return Problem(StatusCodes.Status500InternalServerError, "Samples not committed",
                $"Committing this request's samples failed: {result.Error}. None of them is acknowledged.{kept}");
        response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (title, detail) = result.Status switch
        {
            IntakeStatus.Saturated => ("Pipeline saturated",
                "Too many samples wait for their commit (Auditor:Pipeline:MaxPendingSamples / MaxPendingBytes, or MaxPublishesInFlight on RabbitMQ). Nothing of this request was taken; send it again after Retry-After."),
            IntakeStatus.TimedOut => ("Samples not yet durable",
                "The samples were not committed (or confirmed by the broker) within Auditor:Pipeline:AcceptTimeoutSeconds. They are not acknowledged and may still be counted; send them again after Retry-After (sample ids make that safe)."),
            IntakeStatus.Stopping => ("Server stopping", "The server is shutting down and took nothing of this request; send it again after Retry-After."),
            _ => ("Broker unavailable", $"The broker did not take the samples: {result.Error}. None of them is acknowledged; send them again after Retry-After."),
        };
        return Problem(StatusCodes.Status503ServiceUnavailable, title, detail + kept);
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; null when the body is larger.</summary>
    internal static async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(HttpRequest request, long limit, CancellationToken ct)
    {
        if (request.ContentLength > limit)
            return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
                return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    internal static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);
}
