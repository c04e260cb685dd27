using Auditor.Review.Estimation;

namespace Auditor.Review.Incidents;

/// <summary>What opened an incident.</summary>
public static class IncidentSources
{
    /// <summary>The stream's hourly flag rate rose against its own baseline (CUSUM alarm).</summary>
    public const string FlagRate = "flag-rate";
    /// <summary>A drift alert from the drift model (<c>IncidentRecorder.OpenFromDriftAsync</c>).</summary>
    public const string Drift = "drift";
    /// <summary>Reviewers confirmed several failures of one category in one stream within a window.</summary>
    public const string Reviews = "reviews";
}

/// <summary>Where an incident stands. Merged incidents point at the one they were merged into.</summary>
public static class IncidentStatuses
{
    public const string Open = "open";
    public const string Confirmed = "confirmed";
    public const string Resolved = "resolved";
    public const string Merged = "merged";
}

/// <summary>
/// A silent failure of one stream over a stretch of time. Onset is the first affected sample (or the minute a change
/// point was estimated); DetectedAt is when Auditor opened it; time to detection is the difference.
/// </summary>
/// <param name="Deployment">
/// The deployment it concerns: flag-rate incidents are per deployment ("" for samples that named none); null for
/// incidents of the stream as a whole (drift, reviewer clusters).
/// </param>
public sealed record Incident(
    long IncidentId,
    StreamKey Stream,
    string Source,
    string Category,
    string Status,
    DateTimeOffset OnsetAt,
    DateTimeOffset DetectedAt,
    string DetectedBy,
    string Summary,
    DateTimeOffset? ConfirmedAt,
    string? ConfirmedBy,
    DateTimeOffset? ResolvedAt,
    string? ResolvedBy,
    long? MergedInto,
    string? Deployment = null)
{
    public TimeSpan TimeToDetection => DetectedAt - OnsetAt;

    /// <summary>Time to detection in whole minutes (rounded), as the page, the API and the report show it.</summary>
    public long TimeToDetectionMinutes => (long)Math.Round(TimeToDetection.TotalMinutes, MidpointRounding.AwayFromZero);

    /// <summary>The stream and, when the incident concerns one deployment, its name: "llama/chat on h100-fp8".</summary>
    public string Scope => Deployment is null ? Stream.ToString() : $"{Stream} on {DeploymentName.Display(Deployment)}";

    public bool IsOpen => Status is IncidentStatuses.Open or IncidentStatuses.Confirmed;
}

/// <summary>An incident to open: what a detector of incidents found, before storage gives it an id.</summary>
/// <param name="Category">Failure category for review clusters; empty for flag-rate and drift incidents.</param>
/// <param name="Deployment">The deployment it concerns, or null for the stream as a whole (see <see cref="Incident"/>).</param>
public sealed record IncidentCandidate(
    StreamKey Stream, string Source, string Category, DateTimeOffset OnsetAt, string DetectedBy, string Summary, string? Deployment = null);
