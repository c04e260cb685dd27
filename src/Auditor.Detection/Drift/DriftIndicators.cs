using Auditor.Detection.Degeneration;
using Auditor.Detection.Features;

namespace Auditor.Detection.Drift;

/// <summary>A fixed per-output rule whose share in a window is tested against its share in the baseline.</summary>
/// <param name="Name">Stable name: stored with the model's baseline counts and used in the alert's statistic ("looping-share").</param>
/// <param name="Words">What a reviewer reads: "looping or repetitive outputs rose from 0.8% to 5.1%".</param>
/// <param name="Bit">This rule's bit in <see cref="DriftIndicators.Of"/>.</param>
public sealed record DriftIndicator(string Name, string Words, int Bit);

/// <summary>
/// The window tests' indicators: cheap yes/no rules computed from <see cref="OutputFeatures"/> alone, with fixed thresholds
/// rather than the stream's calibrated ones, so the baseline count kept with the model and the window count are of the
/// same rule. Few on purpose: each adds one test per window to the Benjamini-Hochberg family.
/// <list type="bullet">
/// <item>looping: <see cref="DegenerationDetector"/>'s repetition score (<see cref="DegenerationSigns.RepetitionScore"/>)
/// at its default threshold (1): a trailing loop, long verbatim copies or a low-information stretch. It is what a looping
/// build changes, and a share of it is what a reviewer reads ("repetition rose from 2% to 31%"), where the PCA outlier
/// share depends on how the model happens to lie. The run-on and no-words signs are left out: stored models keep baseline counts of
/// this rule, so what it counts must not change.</item>
/// <item>blank: no non-white-space character; a serving fault (a stop sequence hit at once) that no content rule sees.</item>
/// </list>
/// The order is the order of <see cref="DriftWindowCounts.IndicatorCounts"/>: append only, like the feature vector.
/// </summary>
public static class DriftIndicators
{
    public static readonly DriftIndicator Looping = new("looping", "looping or repetitive outputs", 0);
    public static readonly DriftIndicator Blank = new("blank", "blank outputs", 1);

    public static IReadOnlyList<DriftIndicator> All { get; } = [Looping, Blank];

    /// <summary>The rules the output meets, one bit each (<see cref="DriftIndicator.Bit"/>).</summary>
    public static int Of(OutputFeatures features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var bits = 0;
        if (DegenerationDetector.Signs(features).RepetitionScore >= DegenerationThreshold)
            bits |= 1 << Looping.Bit;
        if (features.IsBlank)
            bits |= 1 << Blank.Bit;
        return bits;
    }

    /// <summary>Per rule, how many of <paramref name="features"/> meet it (in <see cref="All"/>'s order).</summary>
    public static int[] Count(IEnumerable<OutputFeatures> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var counts = new int[All.Count];
        foreach (var f in features)
            Accumulate(counts, Of(f));
        return counts;
    }

    /// <summary>Adds one output's bits to per-rule counts.</summary>
    public static void Accumulate(int[] counts, int bits)
    {
        ArgumentNullException.ThrowIfNull(counts);
        for (var i = 0; i < counts.Length; i++)
        {
            if ((bits & (1 << i)) != 0)
                counts[i]++;
        }
    }

    // The degeneration detector's default threshold, not the stream's calibrated one: a calibration run must not move
    // the rule between the baseline and the window.
    private static readonly double DegenerationThreshold = new DegenerationDetector().DefaultThreshold;
}
