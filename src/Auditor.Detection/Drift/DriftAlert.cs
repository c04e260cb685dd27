namespace Auditor.Detection.Drift;

/// <summary>A feature whose window distribution moved away from the baseline.</summary>
/// <param name="Feature">Name from <see cref="Features.OutputFeatures.VectorNames"/>.</param>
/// <param name="Psi">Population stability index (effect size).</param>
/// <param name="Ks">Binned Kolmogorov-Smirnov distance.</param>
/// <param name="PValue">KS p-value before multiple-testing control (null when the shift is among the anomalous samples only).</param>
/// <param name="BaselineMean">Mean in the baseline's held-out half.</param>
/// <param name="WindowMean">Mean in the window (over the anomalous samples when <paramref name="AmongAnomalous"/>).</param>
/// <param name="Words">What moved, for a reviewer ("outputs got 3x longer").</param>
/// <param name="AmongAnomalous">The shift is that of the window's anomalous samples against the baseline, not of the whole window.</param>
public sealed record DriftFeatureShift(string Feature, double Psi, double Ks, double? PValue, double BaselineMean, double WindowMean, string Words,
    bool AmongAnomalous = false);

/// <summary>
/// A drift alert: a stream's window differs from its baseline beyond chance (Benjamini-Hochberg across streams and
/// features) and beyond a minimum effect size.
/// </summary>
public sealed record DriftAlert(
    string Model,
    string Route,
    string WindowKind,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    int Samples,
    string Statistic,
    double PValue,
    double Effect,
    double AnomalousShare,
    double ExpectedAnomalousShare,
    long ModelVersion,
    IReadOnlyList<DriftFeatureShift> Features,
    string Message);
