namespace Auditor.Detection.Length;

/// <summary>
/// A stream's robust baseline of log length, ln(1 + characters), from its uniform-stratum samples: the median and
/// the median absolute deviation scaled to a normal standard deviation (1.4826 MAD). A pure function of the values,
/// so every consumer reading the same stored samples builds the same baseline.
/// </summary>
public sealed record LengthBaseline(int Count, double MedianLog, double ScaleLog)
{
    /// <summary>Below this many samples the length detector abstains.</summary>
    public const int DefaultMinimumCount = 50;

    /// <summary>
    /// A floor on the scale: one doubling (ln 2). Streams whose lengths barely vary (a fixed token budget) would
    /// otherwise flag ordinary early stops; with threshold 6 a flagged output is at least 64 times off the median.
    /// </summary>
    public const double MinimumScale = 0.6931471805599453;

    /// <summary>Enough samples to judge.</summary>
    public bool IsReady(int minimumCount = DefaultMinimumCount) => Count >= minimumCount;

    /// <summary>Robust z-score of a log length: how many (robust) standard deviations from the median.</summary>
    public double ZScore(double logLength) => (logLength - MedianLog) / ScaleLog;

    /// <summary>Builds the baseline from log lengths (order does not matter; non-finite values are ignored).</summary>
    public static LengthBaseline From(IEnumerable<double> logLengths)
    {
        ArgumentNullException.ThrowIfNull(logLengths);
        var values = logLengths.Where(double.IsFinite).ToArray();
        if (values.Length == 0)
            return new LengthBaseline(0, 0, MinimumScale);
        Array.Sort(values);
        var median = Median(values);
        var deviations = values.Select(v => Math.Abs(v - median)).ToArray();
        Array.Sort(deviations);
        var scale = Math.Max(MinimumScale, 1.4826 * Median(deviations));
        return new LengthBaseline(values.Length, median, scale);
    }

    /// <summary>Builds the baseline from character lengths.</summary>
    public static LengthBaseline FromCharLengths(IEnumerable<int> charLengths) =>
        From(charLengths.Select(n => Math.Log(1 + (double)Math.Max(0, n))));

    private static double Median(double[] sorted)
    {
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
