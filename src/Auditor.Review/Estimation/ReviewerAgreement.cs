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

/// <summary>Two reviewers' verdicts on a sample (A the ordinally first reviewer), standing for Count such samples.</summary>
public sealed record RatedPair(string ReviewerA, string ReviewerB, ReviewVerdict A, ReviewVerdict B, int Count = 1);

/// <summary>Cohen's kappa from samples reviewed by more than one reviewer; categories ok, failure and unsure.</summary>
public static class ReviewerAgreementEstimator
{
    private static readonly ReviewVerdict[] Categories = Enum.GetValues<ReviewVerdict>();

    public static ReviewerAgreement Estimate(IEnumerable<ReviewerVerdict> verdicts) =>
        Estimate(verdicts.GroupBy(v => v.SampleId).SelectMany(g => PairsOf(g)));

    /// <summary>
    /// The pairs one sample's verdicts give: every two reviewers who judged it, the ordinally first as A. A reviewer who
    /// judged the same sample twice counts once (the last verdict given, so <paramref name="sampleVerdicts"/> come in the
    /// order they were given).
    /// </summary>
    public static IEnumerable<RatedPair> PairsOf(IEnumerable<ReviewerVerdict> sampleVerdicts)
    {
        var byReviewer = sampleVerdicts.GroupBy(v => v.Reviewer, StringComparer.Ordinal)
            .Select(g => g.Last()).OrderBy(v => v.Reviewer, StringComparer.Ordinal).ToArray();
        for (var i = 0; i < byReviewer.Length; i++)
            for (var j = i + 1; j < byReviewer.Length; j++)
                yield return new RatedPair(byReviewer[i].Reviewer, byReviewer[j].Reviewer, byReviewer[i].Verdict, byReviewer[j].Verdict);
    }

    /// <summary>
    /// Agreement from rated pairs, each standing for <see cref="RatedPair.Count"/> samples (the weekly tallies give
    /// them counted; <see cref="PairsOf"/> one by one): the same figures either way, since every figure is a ratio of counts.
    /// </summary>
    public static ReviewerAgreement Estimate(IEnumerable<RatedPair> ratings)
    {
        var pairs = new Dictionary<(string A, string B), List<RatedPair>>();
        foreach (var rating in ratings.Where(r => r.Count > 0))
        {
            var key = (rating.ReviewerA, rating.ReviewerB);
            if (!pairs.TryGetValue(key, out var list))
                pairs[key] = list = [];
            list.Add(rating);
        }

        var pairAgreements = pairs.OrderBy(p => p.Key.A, StringComparer.Ordinal).ThenBy(p => p.Key.B, StringComparer.Ordinal)
            .Select(p => Cohen(p.Key.A, p.Key.B, p.Value)).ToList();
        var all = pairs.Values.SelectMany(v => v).ToList();
        var n = all.Sum(r => r.Count);
        if (n == 0)
            return new ReviewerAgreement(pairAgreements, 0, null, null, "No sample was reviewed by two reviewers.");

        var observed = all.Where(r => r.A == r.B).Sum(r => r.Count) / (double)n;
        var expected = Categories.Sum(c =>
        {
            var share = (all.Where(r => r.A == c).Sum(r => r.Count) + all.Where(r => r.B == c).Sum(r => r.Count)) / (2.0 * n);
            return share * share;
        });
        double? kappa = expected < 1 ? (observed - expected) / (1 - expected) : null;
        var note = kappa is null ? "Every rating was the same category: chance agreement is 1 and kappa is undefined." : null;
        return new ReviewerAgreement(pairAgreements, n, observed, kappa, note);
    }

    /// <summary>Cohen's kappa for one pair: p_o the share of items with the same verdict, p_e = sum_c pA(c) pB(c).</summary>
    public static ReviewerPairAgreement Cohen(string reviewerA, string reviewerB, IReadOnlyList<(ReviewVerdict A, ReviewVerdict B)> ratings) =>
        Cohen(reviewerA, reviewerB, ratings.Select(r => new RatedPair(reviewerA, reviewerB, r.A, r.B)).ToList());

    private static ReviewerPairAgreement Cohen(string reviewerA, string reviewerB, IReadOnlyList<RatedPair> ratings)
    {
        var n = ratings.Sum(r => r.Count);
        if (n == 0)
            return new ReviewerPairAgreement(reviewerA, reviewerB, 0, 0, 0, null);
        var observed = ratings.Where(r => r.A == r.B).Sum(r => r.Count) / (double)n;
        var expected = Categories.Sum(c => ratings.Where(r => r.A == c).Sum(r => r.Count) / (double)n * (ratings.Where(r => r.B == c).Sum(r => r.Count) / (double)n));
        double? kappa = expected < 1 ? (observed - expected) / (1 - expected) : null;
        return new ReviewerPairAgreement(reviewerA, reviewerB, n, observed, expected, kappa);
    }
}
