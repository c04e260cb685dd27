using System.Text.Json;
using Auditor.Contracts;
using Auditor.Server.Configuration;
using Auditor.Server.Pipeline;
using Auditor.Storage.Samples;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Ingestion.LiteLlm;

public static class LiteLlmIngestionEndpoints
{
    /// <summary>
    /// POST /api/v1/ingest/litellm: the body LiteLLM's <c>generic_api</c> callback sends (log_format json_array, the
    /// default; ndjson; or single), each record mapped to a sample and then taken exactly as POST /api/v1/samples takes it.
    /// </summary>
    public static IEndpointRouteBuilder MapLiteLlmIngestion(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/ingest/litellm", IngestAsync)
            .AllowAnonymous() // the callback authenticates with its API key (a header in callback_settings), not a user
            .AddEndpointFilter<RequireApiKey>()
            .WithName("IngestLiteLlm");
        return app;
    }

    private static async Task<Results<Accepted<IngestResponse>, ProblemHttpResult>> IngestAsync(
        HttpRequest request, HttpResponse response, IOptions<AuditorOptions> options, SampleIntake intake, PipelineMonitor monitor,
        SampleBatchWriter writer, CancellationToken ct)
    {
        var (body, refusal) = await SamplesIngestionEndpoints.ReadIfTakenAsync(request, response, options.Value, intake, monitor,
            "Lower the callback's batch size.", ct);
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
            catch (JsonException) when (body.Span.IndexOf((byte)'\n') is var newline && newline >= 0 && newline < body.Length - 1)
            {
                // log_format ndjson may arrive labelled application/json: several lines of objects are NDJSON.
                records = IngestBody.ParseNdjson(body);
            }
            catch (JsonException ex)
            {
                return await SamplesIngestionEndpoints.MalformedAsync(writer, body, "litellm", ex.Message, ct);
            }
        }
        else
            return SamplesIngestionEndpoints.Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type",
                $"Send application/json (a JSON array or one object) or application/x-ndjson; got '{request.ContentType}'.");
        if (records.Count == 0)
            return SamplesIngestionEndpoints.Problem(StatusCodes.Status400BadRequest, "No records", "The body holds no LiteLLM log record.");

        var settings = options.Value.Ingest.LiteLlm;
        var mapped = records.Select(r =>
        {
            ContractViolation? error = null;
            var sample = r.Json is { } json ? LiteLlmPayloadMapper.Map(json, settings, out error) : null;
            var raw = r.Raw;
            return new IntakeRecord(r.Index, sample, (r.ParseError ?? error) is { } e ? [e] : [], () => RejectedPayload.FromBytes(raw.Span), raw.Length, IdOf(r.Json));
        }).ToList();
        var answer = await intake.AcceptAsync(mapped, "litellm", ct);
        return answer.Acknowledged
            ? TypedResults.Accepted((string?)null, answer.Response)
            : SamplesIngestionEndpoints.NotAcknowledged(answer.Intake, response, options.Value.Pipeline.RetryAfterSeconds, answer.RejectedKept);
    }

    private static string? IdOf(JsonElement? json) =>
        json is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
}
