namespace Auditor.Review.Estimation;

/// <summary>Agreement between two reviewers over the samples both reviewed.</summary>
/// <param name="Kappa">Cohen's kappa, (p_o - p_e) / (1 - p_e); null when p_e = 1 (both gave one same category throughout).</param>
public sealed record ReviewerPairAgreement(string ReviewerA, string ReviewerB, int Items, double ObservedAgreement, double ExpectedAgreement, double? Kappa);

/// <summary>
/// Per-pair Cohen's kappa and an overall kappa over every double-reviewed pair. The overall figure uses the pooled
/// category shares of both ratings for chance agreement (Fleiss' kappa with two ratings per item, i.e. Scott's pi),
/// because across pairs there is no "first" and "second" rater whose separate margins Cohen's formula needs.
/// </summary>
public sealed record ReviewerAgreement(IReadOnlyList<ReviewerPairAgreement> Pairs, int Items, double? ObservedAgreement, double? Kappa, string? Note);

/// <summary>Cohen's kappa from samples reviewed by more than one reviewer; categories ok, failure and unsure.</summary>
public static class ReviewerAgreementEstimator
{
    private static readonly ReviewVerdict[] Categories = Enum.GetValues<ReviewVerdict>();

    public static ReviewerAgreement Estimate(IEnumerable<ReviewerVerdict> verdicts)
    {
        // A reviewer who judged the same sample twice counts once (the last verdict given).
        var pairs = new Dictionary<(string A, string B), List<(ReviewVerdict A, ReviewVerdict B)>>();
        foreach (var sample in verdicts.GroupBy(v => v.SampleId))
        {
            var byReviewer = sample.GroupBy(v => v.Reviewer, StringComparer.Ordinal)
                .Select(g => g.Last()).OrderBy(v => v.Reviewer, StringComparer.Ordinal).ToArray();
            for (var i = 0; i < byReviewer.Length; i++)
                for (var j = i + 1; j < byReviewer.Length; j++)
                {
                    var key = (byReviewer[i].Reviewer, byReviewer[j].Reviewer);
                    if (!pairs.TryGetValue(key, out var list))
                        pairs[key] = list = [];
                    list.Add((byReviewer[i].Verdict, byReviewer[j].Verdict));
                }
        }

        var pairAgreements = pairs.OrderBy(p => p.Key.A, StringComparer.Ordinal).ThenBy(p => p.Key.B, StringComparer.Ordinal)
            .Select(p => Cohen(p.Key.A, p.Key.B, p.Value)).ToList();
        var all = pairs.Values.SelectMany(v => v).ToList();
        if (all.Count == 0)
            return new ReviewerAgreement(pairAgreements, 0, null, null, "No sample was reviewed by two reviewers.");

        var observed = all.Count(r => r.A == r.B) / (double)all.Count;
        var expected = Categories.Sum(c =>
        {
            var share = (all.Count(r => r.A == c) + all.Count(r => r.B == c)) / (2.0 * all.Count);
            return share * share;
        });
        double? kappa = expected < 1 ? (observed - expected) / (1 - expected) : null;
        var note = kappa is null ? "Every rating was the same category: chance agreement is 1 and kappa is undefined." : null;
        return new ReviewerAgreement(pairAgreements, all.Count, observed, kappa, note);
    }

    /// <summary>Cohen's kappa for one pair: p_o the share of items with the same verdict, p_e = sum_c pA(c) pB(c).</summary>
    public static ReviewerPairAgreement Cohen(string reviewerA, string reviewerB, IReadOnlyList<(ReviewVerdict A, ReviewVerdict B)> ratings)
    {
        var n = ratings.Count;
        if (n == 0)
            return new ReviewerPairAgreement(reviewerA, reviewerB, 0, 0, 0, null);
        var observed = ratings.Count(r => r.A == r.B) / (double)n;
        var expected = Categories.Sum(c => ratings.Count(r => r.A == c) / (double)n * (ratings.Count(r => r.B == c) / (double)n));
        double? kappa = expected < 1 ? (observed - expected) / (1 - expected) : null;
        return new ReviewerPairAgreement(reviewerA, reviewerB, n, observed, expected, kappa);
    }
}
