using Auditor.Review.Estimation;
using Auditor.Review.Incidents;

namespace Auditor.Review.Reports;

/// <summary>
/// The weekly silent-failure report: a one-minute summary, per-stream tables with an 8-week trend, incidents with their
/// time to detection, example outputs linked to their review items, and the statistical notes. Serialized as is to the
/// JSON report (schema: schema/weekly-report.v1.json); the Markdown and HTML renderers read the same record.
/// </summary>
public sealed record WeeklyReport(
    int SchemaVersion,
    string Week,
    DateOnly WeekStart,
    DateOnly WeekEnd,
    DateTimeOffset GeneratedAt,
    ReportSummary Summary,
    IReadOnlyList<StreamReport> Streams,
    IReadOnlyList<IncidentLine> Incidents,
    StatisticalNotes Notes,
    IReadOnlyList<DeploymentLine> Deployments,
    IReadOnlyList<DeploymentComparison> DeploymentComparisons);

/// <summary>What a manager reads in a minute.</summary>
/// <param name="Headline">Three or four sentences: the top line, precision and recall, incidents, what is under-powered.</param>
/// <param name="TopLine">One sentence: the rate, its interval, the change against last week and the worst deployment.</param>
/// <param name="Change">The change against the last week with an estimate, with its 95% interval; null without one.</param>
/// <param name="CorrectedFailureRate">The rate corrected for reviewer error (Rogan-Gladen), null when reviewers were not measured.</param>
public sealed record ReportSummary(
    long Samples,
    double Volume,
    double? FlagRate,
    RateInterval FailureRate,
    RateInterval Precision,
    RateInterval Recall,
    string Trend,
    IReadOnlyList<WeekPoint> Weeks,
    int OpenIncidents,
    int IncidentsOpenedThisWeek,
    IReadOnlyList<string> Headline,
    string TopLine,
    RateChange? Change,
    RateInterval? CorrectedFailureRate);

/// <summary>
/// An estimate with its 95% interval. Value null: the data cannot give a point estimate; Note says why. AtLeast: only a
/// lower bound is known (recall with no missed failure found), read "at least Lower".
/// </summary>
public sealed record RateInterval(double? Value, double Lower, double Upper, string? Note, bool AtLeast = false)
{
    public static RateInterval From(IntervalEstimate e) => new(e.Value, e.Lower, e.Upper, e.Note, e.AtLeast);
}

/// <summary>One week of a trend: the failure rate with its interval, the flag rate and the traffic.</summary>
public sealed record WeekPoint(string Week, DateOnly WeekStart, long Samples, double? FlagRate, RateInterval FailureRate, int Reviewed);

/// <summary>One stream's week. Deployments: the stream split by deployment when more than one reported this week, else empty.</summary>
public sealed record StreamReport(
    string Model,
    string Route,
    long Samples,
    double Volume,
    double? FlagRate,
    RateInterval FailureRate,
    RateInterval Precision,
    RateInterval Recall,
    IReadOnlyList<WeekPoint> Weeks,
    IReadOnlyList<DetectorLine> Detectors,
    CoverageLine Coverage,
    PowerLine Power,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<ExampleOutput> Examples,
    IReadOnlyList<DeploymentLine> Deployments);

public sealed record DetectorLine(string Detector, long Flags, double? FlagRate, int Reviewed, int Failures, RateInterval Precision);

public sealed record CoverageLine(int Selected, int Decisive, int Unsure, int Pending, double? Coverage, bool Low);

public sealed record PowerLine(bool UnderPowered, double HalfWidth, int AdditionalUniformReviews, bool ReachableThisWeek, string? Note);

/// <summary>A reviewed output shown as an example, linked to its review item. Output is model text: hostile, encoded by every renderer.</summary>
public sealed record ExampleOutput(string SampleId, long ItemId, string Verdict, string? Category, IReadOnlyList<string> FlaggedBy, string Output, bool OutputTruncated, string Link);

public sealed record IncidentLine(
    long IncidentId,
    string Model,
    string Route,
    string Source,
    string Category,
    string Status,
    DateTimeOffset OnsetAt,
    DateTimeOffset DetectedAt,
    string DetectedBy,
    double TimeToDetectionMinutes,
    string Summary,
    DateTimeOffset? ConfirmedAt,
    DateTimeOffset? ResolvedAt,
    string Link,
    string? Deployment)
{
    public static IncidentLine From(Incident i, string link) => new(i.IncidentId, i.Stream.Model, i.Stream.Route, i.Source, i.Category, i.Status,
        i.OnsetAt, i.DetectedAt, i.DetectedBy, Math.Round(i.TimeToDetection.TotalMinutes, 1), i.Summary, i.ConfirmedAt, i.ResolvedAt, link, i.Deployment);
}

public sealed record StatisticalNotes(
    IReadOnlyList<string> Design,
    string SamplingRate,
    IReadOnlyList<string> Coverage,
    IReadOnlyList<UnderPoweredCell> UnderPowered,
    AgreementLine Agreement,
    IReadOnlyList<ReviewerLine> Reviewers,
    IReadOnlyList<string> ReviewerWarnings);

/// <summary>A reviewer's sensitivity and specificity against known verdicts (gold items and colleagues' settled double reviews).</summary>
public sealed record ReviewerLine(string Reviewer, int Failures, int FailuresCaught, RateInterval? Sensitivity, int Oks, int OksKept, RateInterval? Specificity, int Unsure, int Gold)
{
    public static ReviewerLine From(Reviewers.ReviewerAccuracy a) => new(a.Reviewer, a.Failures, a.FailuresCaught,
        a.Sensitivity is null ? null : RateInterval.From(a.Sensitivity), a.Oks, a.OksKept, a.Specificity is null ? null : RateInterval.From(a.Specificity), a.Unsure, a.Gold);
}

public sealed record UnderPoweredCell(string Model, string Route, int AdditionalUniformReviews, bool ReachableThisWeek, string? Note);

public sealed record AgreementLine(int Items, double? ObservedAgreement, double? Kappa, string? Note);
