namespace Auditor.Cli.Bench;

/// <summary>Summaries of repeated bench runs.</summary>
public static class BenchStatistics
{
    /// <summary>The median of the runs (the mean of the middle two for an even count); the runs are not reordered.</summary>
    public static double Median(IReadOnlyCollection<double> runs)
    {
        if (runs.Count == 0)
            throw new ArgumentException("A median needs at least one run.", nameof(runs));
        var sorted = runs.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
