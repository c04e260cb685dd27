using Auditor.Review.Routing;

namespace Auditor.Review.Tests;

public class ReviewRouterTests
{
    private static readonly ReviewFractions Fractions = new(0.02, 0.5);

    [Fact]
    public void Decides_the_same_way_every_time_for_a_sample_id()
    {
        var ids = Enumerable.Range(0, 1000).Select(i => $"sample-{i}").ToList();

        var first = ids.Select(id => ReviewRouter.Route(id, flagged: true, Fractions)).ToList();
        var second = ids.Select(id => ReviewRouter.Route(id, flagged: true, Fractions)).ToList();

        Assert.Equal(first, second);
    }

    [Fact]
    public void Selects_about_the_uniform_fraction_of_unflagged_samples()
    {
        const int n = 200_000;
        var selected = Enumerable.Range(0, n).Count(i => ReviewRouter.Route($"id-{i}", false, Fractions).Selected);

        // Binomial(200000, 0.02): sd = 62.6; five sd either side.
        Assert.InRange(selected, 4000 - 313, 4000 + 313);
    }

    [Fact]
    public void Selects_flagged_samples_with_probability_u_plus_one_minus_u_times_f()
    {
        const int n = 100_000;
        var decisions = Enumerable.Range(0, n).Select(i => ReviewRouter.Route($"f-{i}", true, Fractions)).ToList();
        var expected = 0.02 + 0.98 * 0.5;

        Assert.All(decisions, d => Assert.Equal(expected, d.InclusionProbability, 12));
        Assert.InRange(decisions.Count(d => d.Selected) / (double)n, expected - 0.008, expected + 0.008);
        Assert.InRange(decisions.Count(d => d.Stratum == ReviewStratum.Uniform) / (double)n, 0.02 - 0.003, 0.02 + 0.003);
    }

    [Fact]
    public void An_unflagged_sample_is_only_ever_in_the_uniform_stratum_with_probability_u()
    {
        var decisions = Enumerable.Range(0, 20_000).Select(i => ReviewRouter.Route($"u-{i}", false, Fractions)).Where(d => d.Selected).ToList();

        Assert.NotEmpty(decisions);
        Assert.All(decisions, d => Assert.Equal((ReviewStratum.Uniform, 0.02), (d.Stratum!.Value, d.InclusionProbability)));
    }

    [Fact]
    public void Uniform_selection_does_not_depend_on_the_flag()
    {
        for (var i = 0; i < 5000; i++)
        {
            var id = $"x-{i}";
            var uniformIfUnflagged = ReviewRouter.Route(id, false, Fractions).Stratum == ReviewStratum.Uniform;
            var uniformIfFlagged = ReviewRouter.Route(id, true, Fractions).Stratum == ReviewStratum.Uniform;
            Assert.Equal(uniformIfUnflagged, uniformIfFlagged);
        }
    }

    [Theory]
    [InlineData(-0.1, 1)]
    [InlineData(0.02, 1.5)]
    [InlineData(double.NaN, 1)]
    public void Refuses_fractions_outside_zero_to_one(double u, double f)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReviewFractions(u, f).Validated());
    }
}
