using MathNet.Numerics;

namespace Auditor.Detection.Drift;

/// <summary>The window tests: binomial share of anomalies, PSI, binned two-sample Kolmogorov-Smirnov, Benjamini-Hochberg.</summary>
public static class DriftStatistics
{
    /// <summary>
    /// The one-sided p-value of seeing at least <paramref name="anomalous"/> of <paramref name="samples"/> anomalous when
    /// the baseline's held-out half had <paramref name="referenceAnomalous"/> of <paramref name="referenceSamples"/>:
    /// beta-binomial with the Jeffreys posterior of the baseline rate, so the test carries the uncertainty of a
    /// threshold estimated from a finite baseline (a plain binomial against the point estimate raises false alarms).
    /// </summary>
    public static double AnomalousShareP(int anomalous, int samples, int referenceAnomalous, int referenceSamples)
    {
        if (anomalous <= 0)
            return 1;
        if (anomalous > samples)
            throw new ArgumentOutOfRangeException(nameof(anomalous));
        var a = referenceAnomalous + 0.5;
        var b = referenceSamples - referenceAnomalous + 0.5;
        var lnBeta = SpecialFunctions.BetaLn(a, b);
        var mode = (int)Math.Min(samples, Math.Ceiling(samples * a / (a + b)));
        double sum = 0;
        for (var j = anomalous; j <= samples; j++)
        {
            var term = Math.Exp(SpecialFunctions.BinomialLn(samples, j) + SpecialFunctions.BetaLn(j + a, samples - j + b) - lnBeta);
            sum += term;
            if (j > mode && term < 1e-15 * sum)
                break;
        }
        return Math.Clamp(sum, 0, 1);
    }

    /// <summary>P(X &gt;= k) for X ~ Binomial(n, p), when the expected share is known exactly.</summary>
    public static double BinomialUpperTail(int k, int n, double p)
    {
        if (k <= 0)
            return 1;
        // P(X >= k) = I_p(k, n - k + 1), the regularized incomplete beta function.
        return Math.Clamp(SpecialFunctions.BetaRegularized(k, n - k + 1, Math.Clamp(p, 1e-12, 1 - 1e-12)), 0, 1);
    }

    /// <summary>Population stability index of window counts against baseline shares (bins smoothed by 1e-4).</summary>
    public static double Psi(double[] baselineShares, int[] windowCounts)
    {
        var n = windowCounts.Sum();
        if (n == 0)
            return 0;
        const double Floor = 1e-4;
        var psi = 0.0;
        for (var i = 0; i < baselineShares.Length; i++)
        {
            var b = Math.Max(baselineShares[i], Floor);
            var w = Math.Max(windowCounts[i] / (double)n, Floor);
            psi += (w - b) * Math.Log(w / b);
        }
        return psi;
    }

    /// <summary>
    /// The Kolmogorov-Smirnov distance between the window and the baseline, evaluated at the bin edges. On binned data
    /// it is a lower bound of the exact distance, so the test is conservative.
    /// </summary>
    public static double BinnedKs(double[] baselineShares, int[] windowCounts)
    {
        var n = windowCounts.Sum();
        if (n == 0)
            return 0;
        double fb = 0, fw = 0, d = 0;
        for (var i = 0; i < baselineShares.Length - 1; i++)
        {
            fb += baselineShares[i];
            fw += windowCounts[i] / (double)n;
            d = Math.Max(d, Math.Abs(fw - fb));
        }
        return d;
    }

    /// <summary>Asymptotic two-sample KS p-value (Kolmogorov distribution with Stephens' small-sample correction).</summary>
    public static double KsPValue(double d, int n, int m)
    {
        if (d <= 0 || n == 0 || m == 0)
            return 1;
        var ne = n * (double)m / (n + m);
        var sqrt = Math.Sqrt(ne);
        var lambda = (sqrt + 0.12 + 0.11 / sqrt) * d;
        if (lambda < 0.2)
            return 1;
        var sum = 0.0;
        for (var j = 1; j <= 100; j++)
        {
            var term = Math.Exp(-2 * j * j * lambda * lambda);
            sum += (j % 2 == 1 ? 1 : -1) * term;
            if (term < 1e-12)
                break;
        }
        return Math.Clamp(2 * sum, 0, 1);
    }

    /// <summary>Benjamini-Hochberg: which of the p-values are discoveries at false discovery rate <paramref name="alpha"/>.</summary>
    public static bool[] BenjaminiHochberg(IReadOnlyList<double> pValues, double alpha)
    {
        ArgumentNullException.ThrowIfNull(pValues);
        var m = pValues.Count;
        var order = Enumerable.Range(0, m).OrderBy(i => pValues[i]).ToArray();
        var cutoff = -1;
        for (var r = 0; r < m; r++)
        {
            if (pValues[order[r]] <= alpha * (r + 1) / m)
                cutoff = r;
        }
        var rejected = new bool[m];
        for (var r = 0; r <= cutoff; r++)
            rejected[order[r]] = true;
        return rejected;
    }
}
