using Auditor.Review.Estimation;

namespace Auditor.Review.Tests.Estimation;

public class DistributionTests
{
    [Theory]
    [InlineData(0.975, 1.959963984540054)]
    [InlineData(0.5, 0)]
    [InlineData(0.001, -3.090232306167813)]
    [InlineData(0.9999, 3.719016485455709)]
    public void Normal_quantile_matches_reference_values(double p, double z)
    {
        Assert.Equal(z, NormalDistribution.Quantile(p), 1e-8);
    }

    [Theory]
    [InlineData(2, 5)]
    [InlineData(0.5, 0.5)]
    [InlineData(0.5, 400.5)]
    public void Beta_draws_have_the_beta_mean_and_variance(double a, double b)
    {
        var sampler = new PosteriorSampler(11);
        var draws = Enumerable.Range(0, 200_000).Select(_ => sampler.NextBeta(a, b)).ToArray();
        var mean = a / (a + b);
        var variance = a * b / ((a + b) * (a + b) * (a + b + 1));

        // Five standard errors of the mean; the variance within 2%.
        Assert.Equal(mean, draws.Average(), 5 * Math.Sqrt(variance / draws.Length));
        Assert.InRange(draws.Sum(x => (x - mean) * (x - mean)) / draws.Length, 0.98 * variance, 1.02 * variance);
    }

    [Theory]
    [InlineData(30, 0.1)]
    [InlineData(19_000, 0.0015)]
    [InlineData(19_000, 0.013)]
    [InlineData(600, 0.9)]
    public void Binomial_draws_have_the_binomial_mean_and_variance(long n, double p)
    {
        var sampler = new PosteriorSampler(5);
        var draws = Enumerable.Range(0, 100_000).Select(_ => (double)sampler.NextBinomial(n, p)).ToArray();
        var mean = n * p;
        var variance = n * p * (1 - p);

        Assert.Equal(mean, draws.Average(), 5 * Math.Sqrt(variance / draws.Length));
        Assert.InRange(draws.Sum(x => (x - mean) * (x - mean)) / draws.Length, 0.97 * variance, 1.03 * variance);
        Assert.All(draws, x => Assert.InRange(x, 0, n));
    }
}
