namespace Auditor.Review.Estimation;

/// <summary>
/// The silent-failure rate of a cell (a stream-week, or all streams of a week) by the stratified design, with the
/// detectors' precision and recall derived from the same strata.
/// </summary>
/// <param name="FailureRate">p = sum over strata of N_h p_h / N.</param>
/// <param name="Precision">p_F: the failure rate among flagged samples.</param>
/// <param name="Recall">N_F p_F / (N_F p_F + N_U p_U): rests on the unflagged samples' reviews, which only the uniform draw provides.</param>
/// <param name="Power">Whether the rate's interval meets the target half-width, and how many more uniform reviews would.</param>
/// <param name="Naive">Estimates that ignore the design, kept so a report can show how wrong they are.</param>
public sealed record StratifiedEstimate(
    IntervalEstimate FailureRate,
    IntervalEstimate Precision,
    IntervalEstimate Recall,
    long Population,
    long FlaggedPopulation,
    int Reviewed,
    int Failures,
    PowerAssessment Power,
    NaiveEstimates Naive,
    IReadOnlyList<string> Warnings);

/// <summary>
/// Under-powered when the rate is unknown or its interval is wider than plus or minus TargetHalfWidth.
/// AdditionalUniformReviews is the number of extra uniform-draw reviews (spread over strata in proportion to
/// their size, as the uniform draw spreads them) after which the normal-approximation half-width would meet the
/// target; ReachableThisWeek is false when that exceeds the samples not yet reviewed.
/// </summary>
public sealed record PowerAssessment(
    bool UnderPowered,
    double TargetHalfWidth,
    double HalfWidth,
    int AdditionalUniformReviews,
    bool ReachableThisWeek,
    string? Note);

/// <summary>
/// Design-blind estimates. FlaggedOnlyRate = (failures among reviewed flagged items) x (flag rate): it counts only
/// the failures detectors caught, so it is biased low by the unflagged failures. ReviewedRate = failures among all
/// reviewed items, unweighted: flagged items are oversampled, so it is biased towards the flagged stratum's rate.
/// Neither estimates the failure rate; the report shows them only to say so.
/// </summary>
public sealed record NaiveEstimates(double? FlaggedOnlyRate, double? ReviewedRate);
