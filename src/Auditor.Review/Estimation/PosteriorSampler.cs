namespace Auditor.Review.Estimation;

/// <summary>
/// Seeded variates for posterior simulation: Beta as a ratio of Gamma variates (Marsaglia and Tsang 2000) and
/// Binomial, so simulations are reproducible: the same inputs and seed give the same interval on every run.
/// </summary>
public sealed class PosteriorSampler(int seed)
{
    private readonly Random _random = new(seed);
    private double? _spareNormal;

    /// <summary>A Beta(alpha, beta) variate; both shapes must be positive.</summary>
    public double NextBeta(double alpha, double beta)
    {
        var x = NextGamma(alpha);
        var y = NextGamma(beta);
        // Both can underflow to zero for tiny shapes; the Beta is then a coin between its ends.
        if (x + y == 0)
            return _random.NextDouble() < alpha / (alpha + beta) ? 1 : 0;
        return x / (x + y);
    }

    /// <summary>
    /// A Binomial(trials, p) variate: exact by inversion from the smaller tail when the smaller of the two
    /// expected counts is under 50 (O(mean) work), otherwise the normal approximation, rounded and clamped, whose
    /// error at that size is far below the posterior spread it is added to.
    /// </summary>
    public long NextBinomial(long trials, double p)
    {
        if (trials <= 0 || p <= 0)
            return 0;
        if (p >= 1)
            return trials;
        if (p > 0.5)
            return trials - NextBinomial(trials, 1 - p);

        var mean = trials * p;
        if (mean >= 50)
        {
            var draw = Math.Round(mean + Math.Sqrt(mean * (1 - p)) * NextNormal());
            return (long)Math.Clamp(draw, 0, trials);
        }

        // Inversion: walk the pmf upwards with P(k + 1) = P(k) (n - k) / (k + 1) p / (1 - p).
        var u = _random.NextDouble();
        var pmf = Math.Exp(trials * double.LogP1(-p));
        var cdf = pmf;
        var ratio = p / (1 - p);
        long k = 0;
        while (u > cdf && k < trials)
        {
            pmf *= (trials - k) / (double)(k + 1) * ratio;
            k++;
            cdf += pmf;
            if (pmf < 1e-300 && k > mean)
                break;
        }
        return k;
    }

    /// <summary>A Gamma(shape, 1) variate.</summary>
    public double NextGamma(double shape)
    {
        if (!(shape > 0))
            throw new ArgumentOutOfRangeException(nameof(shape), shape, "A Gamma shape must be positive.");
        if (shape < 1)
        {
            // Gamma(a) = Gamma(a + 1) * U^(1/a).
            return NextGamma(shape + 1) * Math.Pow(NextOpenUnit(), 1 / shape);
        }

        var d = shape - 1.0 / 3;
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = NextNormal();
                v = 1 + c * x;
            }
            while (v <= 0);
            v = v * v * v;
            var u = NextOpenUnit();
            if (u < 1 - 0.0331 * x * x * x * x || Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v)))
                return d * v;
        }
    }

    /// <summary>A standard normal variate (Box-Muller, both values used).</summary>
    public double NextNormal()
    {
        if (_spareNormal is { } spare)
        {
            _spareNormal = null;
            return spare;
        }
        var r = Math.Sqrt(-2 * Math.Log(NextOpenUnit()));
        var theta = 2 * Math.PI * _random.NextDouble();
        _spareNormal = r * Math.Sin(theta);
        return r * Math.Cos(theta);
    }

    private double NextOpenUnit()
    {
        double u;
        do u = _random.NextDouble();
        while (u == 0);
        return u;
    }
}
