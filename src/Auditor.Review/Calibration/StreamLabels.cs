using Auditor.Review.Verdicts;

namespace Auditor.Review.Calibration;

/// <summary>A detector's score on a reviewed item, with the item's standing verdicts, as storage holds them.</summary>
public sealed record ReviewedScore(long ItemId, string Detector, string Model, string Route, double Score, double InclusionProbability, bool Done,
    IReadOnlyList<CastVerdict> Verdicts);

/// <summary>Reviewed items of one detector on one stream, as calibration input.</summary>
public sealed record StreamLabels(string Detector, string Model, string Route, IReadOnlyList<LabelledScore> Labels)
{
    /// <summary>
    /// Labels by the one verdict rule (<see cref="SettledVerdict.Settle"/>): a done item settled ok or failure is a label;
    /// items not done and items settled unsure are left out. Grouped per detector and stream in the order given.
    /// </summary>
    public static IReadOnlyList<StreamLabels> From(IEnumerable<ReviewedScore> scores) => scores
        .Select(s => (Score: s, Settled: SettledVerdict.Settle(s.Verdicts, s.Done)))
        .Where(x => x.Settled is { IsDecisive: true })
        .GroupBy(x => (x.Score.Detector, x.Score.Model, x.Score.Route))
        .Select(g => new StreamLabels(g.Key.Detector, g.Key.Model, g.Key.Route,
            g.Select(x => new LabelledScore(x.Score.Score, x.Settled!.IsFailure, x.Score.InclusionProbability)).ToList()))
        .ToList();
}
