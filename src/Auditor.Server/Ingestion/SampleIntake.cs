using Auditor.Contracts;
using Auditor.Server.Auditing;
using Auditor.Storage.Samples;

namespace Auditor.Server.Ingestion;

/// <summary>
/// One record of an intake request, whatever its wire format: its position in the request, the sample it maps to (or
/// why it could not be read), its exact text (kept with a rejection) and, when it could not be read, the id it claimed.
/// </summary>
public sealed record IntakeRecord(int Index, OutputSample? Sample, ContractViolation? ReadError, string Text, string? ClaimedSampleId = null);

/// <summary>
/// The one path every HTTP intake takes after its own format is mapped to samples (POST /api/v1/samples, LiteLLM,
/// OTLP): each record validated against the contract, rejections kept in rejected_samples with every reason, the rest
/// queued for the consumer. The answer is the same 202 body everywhere.
/// </summary>
public sealed class SampleIntake(OutputSampleValidator validator, SampleQueue queue, SampleBatchWriter writer)
{
    /// <summary>Records that are contract JSON (POST /api/v1/samples, a replayed payload): each read as a sample, then <see cref="AcceptAsync"/>.</summary>
    public Task<IngestResponse> AcceptJsonAsync(IReadOnlyList<BodyRecord> records, string source, CancellationToken ct) =>
        AcceptAsync(records.Select(r =>
        {
            OutputSample? sample = null;
            var readError = r.ParseError;
            if (r.Json is { } json)
                sample = OutputSampleJson.TryRead(json, out readError);
            return new IntakeRecord(r.Index, sample, readError, r.Text, SamplesIngestionEndpoints.SampleIdOf(r.Json));
        }).ToList(), source, ct);

    /// <param name="records">The request's records in order.</param>
    /// <param name="source">Where they came from, stored with a rejection ("http", "litellm", "otlp").</param>
    public async Task<IngestResponse> AcceptAsync(IReadOnlyList<IntakeRecord> records, string source, CancellationToken ct)
    {
        var accepted = new List<OutputSample>(records.Count);
        var rejections = new List<IngestRejection>();
        var rejected = new List<RejectedSample>();
        foreach (var record in records)
        {
            IReadOnlyList<ContractViolation> errors = record.Sample is null
                ? [record.ReadError ?? new ContractViolation("$", "sample.unreadable", "the record could not be read as a sample.")]
                : validator.Check(record.Sample);
            if (errors.Count == 0)
            {
                accepted.Add(record.Sample!);
                continue;
            }
            var id = record.Sample?.SampleId ?? record.ClaimedSampleId;
            rejections.Add(new IngestRejection(record.Index, id, errors));
            rejected.Add(new RejectedSample(source, id, errors, record.Text));
        }

        // Rejections are kept before anything is queued: a request never half-disappears.
        if (rejected.Count > 0)
            await writer.RecordRejectedAsync(rejected, ct);
        await queue.EnqueueAsync(accepted, ct);
        return new IngestResponse(accepted.Count, rejections);
    }
}
