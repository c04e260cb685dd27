using Auditor.Review.Routing;

namespace Auditor.Review.Estimation;

/// <summary>A stream: one model behind one route.</summary>
public sealed record StreamKey(string Model, string Route)
{
    public override string ToString() => $"{Model}/{Route}";
}

/// <summary>A reviewer's verdict on one sample.</summary>
public enum ReviewVerdict
{
    Ok,
    Failure,
    /// <summary>The reviewer could not tell: excluded from every numerator and denominator, counted and reported.</summary>
    Unsure,
}

/// <summary>The stream-hour counters as storage keeps them.</summary>
/// <param name="Total">Samples counted (each sample id once), not scaled.</param>
/// <param name="Flagged">Of them, flagged by at least one detector.</param>
/// <param name="Volume">Total scaled by 1 / samplingRate: the traffic the samples stand for.</param>
/// <param name="FlaggedVolume">Flagged scaled the same way.</param>
/// <param name="FlagsByDetector">Samples each detector flagged (a sample flagged by two detectors counts for both).</param>
/// <param name="Deployment">Null when summed over a stream's deployments; else the deployment ("" for samples that named none).</param>
public sealed record StreamHourCounts(
    StreamKey Stream,
    DateTimeOffset Hour,
    long Total,
    long Flagged,
    double Volume,
    double FlaggedVolume,
    IReadOnlyDictionary<string, long> FlagsByDetector,
    string? Deployment = null);

/// <summary>A sample selected for review, with its verdict once there is one.</summary>
/// <param name="Stratum">The selection stratum (uniform or flagged oversampling).</param>
/// <param name="InclusionProbability">pi = u + (1 - u) f [flagged] at selection time.</param>
/// <param name="Flagged">Whether a detector flagged the sample (a uniform-stratum item may be either).</param>
/// <param name="FlaggedBy">The detectors that flagged it; empty when unflagged.</param>
/// <param name="Verdict">Null while pending; else the settled verdict (<see cref="Verdicts.SettledVerdict"/>).</param>
/// <param name="Deployment">The sample's deployment ("" when it named none).</param>
/// <param name="Count">How many items this one stands for: 1 for an item read one by one; a weekly tally's count
/// (review items alike in every field the estimators read, SampleId empty, Hour the week's start). The estimators
/// weigh every item by it, so a week's tallies give the same figures as its items.</param>
public sealed record ReviewItem(
    string SampleId,
    StreamKey Stream,
    DateTimeOffset Hour,
    ReviewStratum Stratum,
    double InclusionProbability,
    bool Flagged,
    IReadOnlyList<string> FlaggedBy,
    ReviewVerdict? Verdict,
    string? Category = null,
    string Deployment = "",
    int Count = 1);

/// <summary>One reviewer's verdict on one sample, for agreement between reviewers of the same sample.</summary>
public sealed record ReviewerVerdict(string SampleId, string Reviewer, ReviewVerdict Verdict);
