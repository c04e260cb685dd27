namespace Auditor.Contracts.Events;

/// <summary>
/// Published on the bus when Auditor opens an incident: a stream's flag rate rose against its baseline, a drift alert
/// fired, or reviewers confirmed several failures of one category. Delivered from an outbox, at least once: consumers
/// should treat <paramref name="IncidentId"/> as an idempotency key.
/// </summary>
/// <param name="IncidentId">The incident's id in Auditor (stable; the UI shows it at /incidents).</param>
/// <param name="Model">The stream's model.</param>
/// <param name="Route">The stream's route.</param>
/// <param name="Source">What opened it: "flag-rate", "drift" or "reviews".</param>
/// <param name="Category">The failure category for review clusters; empty otherwise.</param>
/// <param name="OnsetAt">The first affected sample (or hour), as estimated.</param>
/// <param name="DetectedAt">When Auditor opened the incident.</param>
/// <param name="DetectedBy">Who or what detected it.</param>
/// <param name="Summary">One sentence for people.</param>
/// <param name="Deployment">
/// The deployment it concerns ("" for samples that named none) when the incident is about one deployment (flag-rate
/// incidents); null when it concerns the stream as a whole.
/// </param>
public sealed record IncidentOpened(
    long IncidentId, string Model, string Route, string Source, string Category,
    DateTimeOffset OnsetAt, DateTimeOffset DetectedAt, string DetectedBy, string Summary, string? Deployment = null);
