namespace Auditor.Review.Estimation;

/// <summary>The estimates of one week, per stream and over all streams.</summary>
public sealed record WeekEstimates(DateOnly WeekStart, IReadOnlyList<CellEstimate> Streams, CellEstimate Overall);

/// <summary>Everything estimated for one cell: a stream-week, or a week over all streams (Stream null).</summary>
public sealed record CellEstimate(
    StreamKey? Stream,
    DateOnly WeekStart,
    VolumeSummary Volume,
    IReadOnlyList<DetectorEstimate> Detectors,
    StratifiedEstimate Estimate,
    ReviewCoverage Coverage,
    IReadOnlyList<string> Warnings);

/// <summary>Traffic from the counters. FlagRate = flagged / samples (simple ratio of counts, no sampling error from review).</summary>
public sealed record VolumeSummary(long Samples, long FlaggedSamples, double Volume, double FlaggedVolume, double? FlagRate);

/// <summary>
/// One detector: its flag rate from the counters and its precision from the reviewed items it flagged (all flagged
/// samples share one inclusion probability, so those items are a simple random sample of what it flagged).
/// </summary>
public sealed record DetectorEstimate(string Detector, long Flags, double? FlagRate, int Reviewed, int Failures, IntervalEstimate Precision);

/// <summary>Review progress of a cell's selected items, per estimation stratum.</summary>
/// <param name="Coverage">Decisive verdicts / selected items.</param>
/// <param name="Low">True when some populated stratum's coverage is under the minimum, or reviews look like a non-random subset.</param>
public sealed record ReviewCoverage(
    int Selected,
    int Decisive,
    int Unsure,
    int Pending,
    double? Coverage,
    StratumCoverage Flagged,
    StratumCoverage Unflagged,
    bool Low,
    IReadOnlyList<string> Warnings);

public sealed record StratumCoverage(int Selected, int Decisive, int Failures, int Unsure, int Pending)
{
    public double? Coverage => Selected > 0 ? (double)Decisive / Selected : null;
}
