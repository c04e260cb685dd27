using System.Text.Json;
using Auditor.Contracts;
using Auditor.Server.Auditing;
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
        HttpRequest request, HttpResponse response, IOptions<AuditorOptions> options, OutputSampleValidator validator, ISampleIntake intake,
        PipelineMonitor monitor, SampleBatchWriter writer, CancellationToken ct)
    {
        if (intake.IsSaturated)
        {
            monitor.IntakeRefused("saturated");
            return NotAcknowledged(new IntakeResult(IntakeStatus.Saturated), response, options.Value.Pipeline.RetryAfterSeconds, 0);
        }
        var limit = options.Value.Ingest.MaxBodyBytes;
        var body = await ReadBodyAsync(request, limit, ct);
        if (body is null)
            return Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large",
                $"The body is larger than {limit} bytes (Auditor:Ingest:MaxBodyBytes). Send fewer samples per request.");

        IReadOnlyList<BodyRecord> records;
        if (IngestBody.IsNdjson(request.ContentType))
            records = IngestBody.ParseNdjson(body.Value);
        else if (IngestBody.IsJson(request.ContentType))
        {
            try
            {
                records = IngestBody.ParseJson(body.Value);
            }
            catch (JsonException ex)
            {
                // Nothing a client sent disappears without a trace: the body's start is kept with its length.
                var problem = new ContractViolation("$", "json", $"the request body is not valid JSON: {ex.Message}");
                await writer.RecordRejectedAsync([new RejectedSample("http", null, [problem],
                    RejectedPayload.FromBytes(body.Value.Span, RejectedPayload.MaxWholeBodyBytes))], ct);
                return Problem(StatusCodes.Status400BadRequest, "Malformed JSON",
                    $"{ex.Message} The body was kept in rejected_samples (rule json).");
            }
        }
        else
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type",
                $"Send application/json (one object or an array) or application/x-ndjson; got '{request.ContentType}'.");
        if (records.Count == 0)
            return Problem(StatusCodes.Status400BadRequest, "No samples", "The body holds no sample.");
        var (answer, result, rejectedKept) = await AcceptAsync(records, "http", validator, intake, monitor, writer, ct);
        return result.Status == IntakeStatus.Accepted
            ? TypedResults.Accepted((string?)null, answer)
            : NotAcknowledged(result, response, options.Value.Pipeline.RetryAfterSeconds, rejectedKept);
    }

    /// <summary>
    /// The intake path every HTTP submission takes (POST /api/v1/samples and an admin's replay of a rejected payload):
    /// validate each record, keep the rejected ones with their rules, hand the rest to the durable intake.
    /// </summary>
    internal static async Task<(IngestResponse Response, IntakeResult Intake, int RejectedKept)> AcceptAsync(IReadOnlyList<BodyRecord> records,
        string source, OutputSampleValidator validator, ISampleIntake intake, PipelineMonitor monitor, SampleBatchWriter writer, CancellationToken ct)
    {
        monitor.Received(source, records.Count);
        var accepted = new List<IncomingSample>(records.Count);
        long acceptedBytes = 0;
        var rejections = new List<IngestRejection>();
        var rejected = new List<RejectedSample>();
        foreach (var record in records)
        {
            var reading = record.Json is { } json ? OutputSampleJson.Read(json) : new SampleReading(null, null, [record.ParseError!]);
            var errors = reading.Sample is { } read ? validator.Check(read) : reading.Violations;
            if (errors.Count == 0)
            {
                var raw = record.Raw;
                accepted.Add(new IncomingSample(reading.Sample!, reading.SampleId, [], () => RejectedPayload.FromBytes(raw.Span)));
                acceptedBytes += raw.Length; // what the waiting request holds in memory
                continue;
            }
            rejections.Add(new IngestRejection(record.Index, reading.SampleId, errors));
            rejected.Add(new RejectedSample(source, reading.SampleId, errors, RejectedPayload.FromBytes(record.Raw.Span)));
        }

        // Rejections are kept before anything is queued: a request never half-disappears.
        if (rejected.Count > 0)
        {
            await writer.RecordRejectedAsync(rejected, ct);
            monitor.RejectedAtIntake(source, rejected);
        }
        // Durable before the answer: committed (embedded) or confirmed by the broker (RabbitMQ).
        var result = await intake.SubmitAsync(accepted, acceptedBytes, ct);
        if (result.Status != IntakeStatus.Accepted)
            monitor.IntakeRefused(result.Status.ToString().ToLowerInvariant());
        return (new IngestResponse(accepted.Count, rejections), result, rejected.Count);
    }

    private static ProblemHttpResult NotAcknowledged(IntakeResult result, HttpResponse response, int retryAfter, int rejectedKept)
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
    private static async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(HttpRequest request, long limit, CancellationToken ct)
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

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);
}
