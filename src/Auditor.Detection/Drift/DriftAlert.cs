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
/// A drift alert: a stream's window differs from its baseline beyond chance (Benjamini-Hochberg across streams, indicator
/// rules and features) and beyond a minimum effect size.
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
    string Message)
{
    /// <summary>The indicator rules whose share rose (discovered and at least the minimum effect), most surely risen first; carried in <see cref="Message"/> when stored.</summary>
    public IReadOnlyList<DriftIndicatorShift> Indicators { get; init; } = [];
}

/// <summary>An indicator rule (<see cref="DriftIndicators"/>) whose share in a window rose above its baseline share.</summary>
/// <param name="Indicator">The rule's name ("looping").</param>
/// <param name="BaselineShare">Its share of the baseline's outputs.</param>
/// <param name="WindowShare">Its share of the window's outputs.</param>
/// <param name="PValue">Beta-binomial p-value before multiple-testing control.</param>
/// <param name="Effect">Window share / baseline share (the baseline share floored at <see cref="WindowDriftOptions.MinIndicatorShare"/>).</param>
/// <param name="Words">"looping or repetitive outputs rose from 0.8% to 5.1%".</param>
public sealed record DriftIndicatorShift(string Indicator, double BaselineShare, double WindowShare, double PValue, double Effect, string Words);
