using System.Text.Json;
using Auditor.Contracts;
using Auditor.Server.Auditing;
using Auditor.Server.Configuration;
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
    /// <summary>POST /api/v1/samples: validate at the edge, keep rejections, queue the rest for the consumer.</summary>
    public static IEndpointRouteBuilder MapSamplesIngestion(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/samples", IngestAsync)
            .AllowAnonymous() // ingestion authenticates with its API key, not a user
            .AddEndpointFilter<RequireApiKey>()
            .WithName("IngestSamples");
        return app;
    }

    private static async Task<Results<Accepted<IngestResponse>, ProblemHttpResult>> IngestAsync(
        HttpRequest request, IOptions<AuditorOptions> options, OutputSampleValidator validator, SampleQueue queue,
        SampleBatchWriter writer, CancellationToken ct)
    {
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

        var accepted = new List<OutputSample>(records.Count);
        var rejections = new List<IngestRejection>();
        var rejected = new List<RejectedSample>();
        foreach (var record in records)
        {
            var reading = record.Json is { } json ? OutputSampleJson.Read(json) : new SampleReading(null, null, [record.ParseError!]);
            var errors = reading.Sample is { } read ? validator.Check(read) : reading.Violations;
            if (errors.Count == 0)
            {
                accepted.Add(reading.Sample!);
                continue;
            }
            rejections.Add(new IngestRejection(record.Index, reading.SampleId, errors));
            rejected.Add(new RejectedSample("http", reading.SampleId, errors, RejectedPayload.FromBytes(record.Raw.Span)));
        }

        // Rejections are kept before anything is queued: a request never half-disappears.
        if (rejected.Count > 0)
            await writer.RecordRejectedAsync(rejected, ct);
        await queue.EnqueueAsync(accepted, ct);
        return TypedResults.Accepted((string?)null, new IngestResponse(accepted.Count, rejections));
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
