using Auditor.Contracts;
using Auditor.Detection;
using Auditor.Review.Routing;

namespace Auditor.Storage.Samples;

/// <summary>A valid sample with what the detectors said and where review routing put it: one row of a committed batch.</summary>
/// <param name="Sample">The sample.</param>
/// <param name="Inspection">What the detectors said.</param>
/// <param name="Routing">Where review routing put it.</param>
/// <param name="Payload">The sample as it arrived, kept in rejected_samples should the store refuse it; its contract JSON when absent.</param>
public sealed record AuditedSample(OutputSample Sample, Inspection Inspection, RoutingDecision Routing, Func<RejectedPayload>? Payload = null);

/// <summary>
/// Input that broke the contract (or that the store refused), kept with every rule it broke and the payload exactly as received.
/// </summary>
/// <param name="Source">Where it came from: "http", "rabbitmq" or "bus".</param>
/// <param name="SampleId">The sample id when one could be read (stored with NUL and lone surrogates made visible as U+FFFD).</param>
/// <param name="Errors">Every broken rule.</param>
/// <param name="Payload">The payload as received.</param>
public sealed record RejectedSample(string Source, string? SampleId, IReadOnlyList<ContractViolation> Errors, RejectedPayload Payload)
{
    /// <summary>A rejection whose payload is text (kept as its UTF-8).</summary>
    public RejectedSample(string source, string? sampleId, IReadOnlyList<ContractViolation> errors, string payload)
        : this(source, sampleId, errors, RejectedPayload.FromText(payload))
    {
    }
}

/// <summary>What a batch commit did.</summary>
/// <param name="Counted">Samples counted for the first time.</param>
/// <param name="Duplicates">Samples whose id was already counted (re-sent or redelivered), or repeated in the batch.</param>
/// <param name="Stored">Samples whose full text was stored (flagged or selected for review).</param>
/// <param name="Selected">Samples that became review items.</param>
/// <param name="Rejected">Rejected payloads recorded (a redelivered one is recorded once), those the store refused included.</param>
public sealed record BatchOutcome(int Counted, int Duplicates, int Stored, int Selected, int Rejected)
{
    /// <summary>The samples counted for the first time by this commit: what in-process state may learn from after it.</summary>
    public IReadOnlyList<AuditedSample> CountedSamples { get; init; } = [];

    /// <summary>Samples the store refused for a data reason, kept in rejected_samples with rule <c>store</c>.</summary>
    public IReadOnlyList<RejectedSample> Refused { get; init; } = [];
}

/// <summary>A review item as stored, with its verdicts (undone ones left out).</summary>
public sealed record ReviewItemView(long ItemId, string Stratum, double InclusionProbability, string State, int ReviewsRequired,
    DateTimeOffset CreatedAt, IReadOnlyList<Review.VerdictView> Verdicts);

/// <summary>A stored sample: its contract fields, detector results, features and review item.</summary>
public sealed record StoredSampleView(
    OutputSample Sample,
    DateTimeOffset ReceivedAt,
    bool Flagged,
    IReadOnlyList<DetectorResult> DetectorResults,
    ReviewItemView? ReviewItem,
    System.Text.Json.JsonElement Features);
