using Auditor.Review.Estimation;

namespace Auditor.Review.Tests.Estimation;

public class ReviewerAgreementTests
{
    [Fact]
    public void Matches_a_hand_computed_kappa()
    {
        // 50 items: both failure 20, ana failure / ben ok 5, ana ok / ben failure 10, both ok 15.
        // p_o = 35/50 = 0.7; ana says failure 25/50, ben 30/50; p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5; kappa = 0.2 / 0.5 = 0.4.
        var verdicts = Ratings("ana", "ben", (ReviewVerdict.Failure, ReviewVerdict.Failure, 20), (ReviewVerdict.Failure, ReviewVerdict.Ok, 5),
            (ReviewVerdict.Ok, ReviewVerdict.Failure, 10), (ReviewVerdict.Ok, ReviewVerdict.Ok, 15));

        var agreement = ReviewerAgreementEstimator.Estimate(verdicts);

        var pair = Assert.Single(agreement.Pairs);
        Assert.Equal(("ana", "ben", 50), (pair.ReviewerA, pair.ReviewerB, pair.Items));
        Assert.Equal(0.7, pair.ObservedAgreement, 12);
        Assert.Equal(0.5, pair.ExpectedAgreement, 12);
        Assert.Equal(0.4, pair.Kappa!.Value, 12);
        // Overall, chance agreement from the pooled shares: failure 55/100, so p_e = 0.55^2 + 0.45^2 = 0.505.
        Assert.Equal((0.7 - 0.505) / (1 - 0.505), agreement.Kappa!.Value, 12);
    }

    [Fact]
    public void Counts_unsure_as_its_own_category()
    {
        // 10 items: 4 ok/ok, 4 failure/failure, 2 unsure/ok. p_o = 0.8.
        // A: ok 0.4, failure 0.4, unsure 0.2; B: ok 0.6, failure 0.4. p_e = 0.24 + 0.16 = 0.4; kappa = 0.4 / 0.6.
        var verdicts = Ratings("a", "b", (ReviewVerdict.Ok, ReviewVerdict.Ok, 4), (ReviewVerdict.Failure, ReviewVerdict.Failure, 4), (ReviewVerdict.Unsure, ReviewVerdict.Ok, 2));

        var pair = Assert.Single(ReviewerAgreementEstimator.Estimate(verdicts).Pairs);

        Assert.Equal(0.4 / 0.6, pair.Kappa!.Value, 12);
    }

    [Fact]
    public void Keeps_reviewer_pairs_apart_and_ignores_samples_reviewed_once()
    {
        var verdicts = Ratings("ana", "ben", (ReviewVerdict.Ok, ReviewVerdict.Ok, 3), (ReviewVerdict.Failure, ReviewVerdict.Failure, 3))
            .Concat(Rated("ben", "cy", "x", [(ReviewVerdict.Ok, ReviewVerdict.Failure, 3), (ReviewVerdict.Failure, ReviewVerdict.Ok, 3)]))
            .Append(new ReviewerVerdict("lonely", "ana", ReviewVerdict.Failure));

        var agreement = ReviewerAgreementEstimator.Estimate(verdicts);

        Assert.Equal(2, agreement.Pairs.Count);
        Assert.Equal(1, agreement.Pairs.Single(p => p.ReviewerB == "ben").Kappa!.Value, 12);
        Assert.Equal(-1, agreement.Pairs.Single(p => p.ReviewerB == "cy").Kappa!.Value, 12);
        Assert.Equal(12, agreement.Items);
        Assert.Equal(0.5, agreement.ObservedAgreement!.Value, 12);
    }

    [Fact]
    public void Says_kappa_is_undefined_when_every_verdict_is_the_same()
    {
        var agreement = ReviewerAgreementEstimator.Estimate(Ratings("a", "b", (ReviewVerdict.Ok, ReviewVerdict.Ok, 5)));

        Assert.Null(agreement.Kappa);
        Assert.Null(Assert.Single(agreement.Pairs).Kappa);
        Assert.NotNull(agreement.Note);
    }

    [Fact]
    public void Says_so_when_no_sample_was_reviewed_twice()
    {
        var agreement = ReviewerAgreementEstimator.Estimate([new ReviewerVerdict("s1", "a", ReviewVerdict.Ok)]);

        Assert.Empty(agreement.Pairs);
        Assert.Null(agreement.Kappa);
        Assert.Contains("No sample", agreement.Note);
    }

    [Fact]
    public void Counted_pairs_give_the_same_agreement_as_the_samples_one_by_one()
    {
        var verdicts = Ratings("ana", "ben", (ReviewVerdict.Failure, ReviewVerdict.Failure, 7), (ReviewVerdict.Unsure, ReviewVerdict.Ok, 3), (ReviewVerdict.Ok, ReviewVerdict.Ok, 11))
            .Concat(Rated("ben", "cy", "x", [(ReviewVerdict.Ok, ReviewVerdict.Failure, 2), (ReviewVerdict.Failure, ReviewVerdict.Failure, 5)]))
            .ToList();
        var counted = verdicts.GroupBy(v => v.SampleId).SelectMany(g => ReviewerAgreementEstimator.PairsOf(g))
            .GroupBy(p => p with { Count = 1 }).Select(g => g.Key with { Count = g.Count() }).ToList();
        Assert.Equal(5, counted.Count);

        var fromCounts = ReviewerAgreementEstimator.Estimate(counted.Append(new RatedPair("ana", "cy", ReviewVerdict.Ok, ReviewVerdict.Ok, 0)));

        var oneByOne = ReviewerAgreementEstimator.Estimate(verdicts);
        Assert.Equal(oneByOne.Pairs, fromCounts.Pairs);
        Assert.Equal((oneByOne.Items, oneByOne.ObservedAgreement, oneByOne.Kappa, oneByOne.Note), (fromCounts.Items, fromCounts.ObservedAgreement, fromCounts.Kappa, fromCounts.Note));
    }

    [Fact]
    public void A_reviewer_who_judged_a_sample_twice_rates_it_once_with_the_last_verdict()
    {
        var pair = Assert.Single(ReviewerAgreementEstimator.PairsOf([
            new ReviewerVerdict("s", "ben", ReviewVerdict.Ok), new ReviewerVerdict("s", "ana", ReviewVerdict.Failure), new ReviewerVerdict("s", "ben", ReviewVerdict.Unsure)]));

        Assert.Equal(new RatedPair("ana", "ben", ReviewVerdict.Failure, ReviewVerdict.Unsure), pair);
    }

    private static IEnumerable<ReviewerVerdict> Ratings(string a, string b, params (ReviewVerdict A, ReviewVerdict B, int Count)[] cells) =>
        Rated(a, b, "s", cells);

    private static IEnumerable<ReviewerVerdict> Rated(string a, string b, string prefix, (ReviewVerdict A, ReviewVerdict B, int Count)[] cells)
    {
        var i = 0;
        foreach (var (va, vb, count) in cells)
            for (var k = 0; k < count; k++, i++)
            {
                yield return new ReviewerVerdict($"{prefix}{i}", a, va);
                yield return new ReviewerVerdict($"{prefix}{i}", b, vb);
            }
    }
}
