using System.Text.Json;
using Auditor.Contracts;
using Auditor.Server.Configuration;
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
        HttpRequest request, IOptions<AuditorOptions> options, SampleIntake intake, CancellationToken ct)
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
                return Problem(StatusCodes.Status400BadRequest, "Malformed JSON", ex.Message);
            }
        }
        else
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type",
                $"Send application/json (one object or an array) or application/x-ndjson; got '{request.ContentType}'.");
        if (records.Count == 0)
            return Problem(StatusCodes.Status400BadRequest, "No samples", "The body holds no sample.");

        var response = await intake.AcceptJsonAsync(records, "http", ct);
        return TypedResults.Accepted((string?)null, response);
    }

    internal static string? SampleIdOf(JsonElement? json) =>
        json is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty("sampleId", out var id) && id.ValueKind == JsonValueKind.String
            ? id.GetString()
            : null;

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
