using Auditor.Contracts;
using Auditor.Server.Auditing;
using Auditor.Server.Pipeline;
using Auditor.Storage.Samples;

namespace Auditor.Server.Ingestion;

/// <summary>
/// One record of an intake request, whatever its wire format: its position in the request, the sample it maps to (or
/// why it could not be read), its exact payload (kept with a rejection), its size as received, and, when it could not
/// be read, the id it claimed.
/// </summary>
public sealed record IntakeRecord(int Index, OutputSample? Sample, IReadOnlyList<ContractViolation> ReadErrors, Func<RejectedPayload> Payload,
    long Size, string? ClaimedSampleId = null)
{
    /// <summary>A record mapped from another format, kept as its text should it be rejected.</summary>
    public IntakeRecord(int index, OutputSample? sample, ContractViolation? readError, string text, string? claimedSampleId = null)
        : this(index, sample, readError is null ? [] : [readError], () => RejectedPayload.FromText(text), HeldBytes.OfText(text), claimedSampleId)
    {
    }
}

/// <summary>
/// What a waiting record holds in memory, counted against Auditor:Pipeline:MaxPendingBytes: its payload, and the sample
/// read from it, whose strings are UTF-16 (two bytes a character, and a model's text is mostly one byte a character in
/// UTF-8). Undercounting here would let a flood of large samples past the limit.
/// </summary>
public static class HeldBytes
{
    /// <summary>A record read from UTF-8 bytes: the bytes, and the sample's strings at twice their size.</summary>
    public static long OfBody(long utf8Bytes) => 3 * utf8Bytes;

    /// <summary>A record mapped from text: the text and the sample's strings, each two bytes a character.</summary>
    public static long OfText(string text) => 4L * text.Length;
}

/// <summary>What became of an intake request: the 202 body, and whether its valid samples are durable.</summary>
public sealed record IntakeAnswer(IngestResponse Response, IntakeResult Intake, int RejectedKept)
{
    /// <summary>Only an acknowledged request may be answered 2xx.</summary>
    public bool Acknowledged => Intake.Status == IntakeStatus.Accepted;
}

/// <summary>
/// The one path every HTTP intake takes after its own format is mapped to samples (POST /api/v1/samples, LiteLLM,
/// OTLP, an admin's replay of a rejected payload): each record validated against the contract, rejections kept in
/// rejected_samples with every reason before anything else, the rest handed to the durable intake, which answers only
/// when they are committed (embedded) or confirmed by the broker (RabbitMQ).
/// </summary>
public sealed class SampleIntake(OutputSampleValidator validator, IDurableIntake durable, PipelineMonitor monitor, SampleBatchWriter writer)
{
    /// <summary>Whether a request would be refused now: checked before a body is read, so a flood costs no memory.</summary>
    public bool IsSaturated => durable.IsSaturated;

    /// <summary>Records that are contract JSON (POST /api/v1/samples, a replayed payload), read with the contract's one reader.</summary>
    public Task<IntakeAnswer> AcceptJsonAsync(IReadOnlyList<BodyRecord> records, string source, CancellationToken ct) =>
        AcceptAsync(records.Select(r =>
        {
            var reading = r.Json is { } json ? OutputSampleJson.Read(json) : new SampleReading(null, null, [r.ParseError!]);
            var raw = r.Raw;
            return new IntakeRecord(r.Index, reading.Sample, reading.Violations, () => RejectedPayload.FromBytes(raw.Span), HeldBytes.OfBody(raw.Length), reading.SampleId);
        }).ToList(), source, ct);

    /// <param name="records">The request's records in order.</param>
    /// <param name="source">Where they came from, stored with a rejection ("http", "litellm", "otlp", "replay").</param>
    /// <param name="ct">Cancels the request.</param>
    public async Task<IntakeAnswer> AcceptAsync(IReadOnlyList<IntakeRecord> records, string source, CancellationToken ct)
    {
        monitor.Received(source, records.Count);
        var accepted = new List<IncomingSample>(records.Count);
        long acceptedBytes = 0;
        var rejections = new List<IngestRejection>();
        var rejected = new List<RejectedSample>();
        foreach (var record in records)
        {
            IReadOnlyList<ContractViolation> errors = record.Sample is { } read ? validator.Check(read)
                : record.ReadErrors.Count > 0 ? record.ReadErrors
                : [new ContractViolation("$", "sample.unreadable", "the record could not be read as a sample.")];
            if (errors.Count == 0)
            {
                accepted.Add(new IncomingSample(record.Sample!, record.Sample!.SampleId, [], record.Payload));
                acceptedBytes += record.Size; // what the waiting request holds in memory
                continue;
            }
            var id = record.Sample?.SampleId ?? record.ClaimedSampleId;
            rejections.Add(new IngestRejection(record.Index, id, errors));
            rejected.Add(new RejectedSample(source, id, errors, record.Payload()));
        }

        // Rejections are kept before anything is queued: a request never half-disappears.
        if (rejected.Count > 0)
        {
            await writer.RecordRejectedAsync(rejected, ct);
            monitor.RejectedAtIntake(source, rejected);
        }
        var result = await durable.SubmitAsync(accepted, acceptedBytes, ct);
        if (result.Status != IntakeStatus.Accepted)
            monitor.IntakeRefused(result.Status.ToString().ToLowerInvariant());
        return new IntakeAnswer(new IngestResponse(accepted.Count, rejections), result, rejected.Count);
    }
}
