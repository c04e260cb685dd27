using System.Globalization;
using Auditor.Detection.Features;

namespace Auditor.Detection.Drift;

/// <summary>
/// drift.anomaly: how far a sample lies off its stream's baseline, as the PCA residual divided by the model's threshold
/// (so 1.0, the default threshold, is the stated quantile of baseline scores). Free of side effects like every
/// detector: a sample joins the window sketches only after its batch committed (<see cref="DriftWindowSketches.Observe"/>),
/// so a retried batch or a redelivered duplicate is not counted twice.
/// </summary>
public sealed class DriftAnomalyDetector(IDriftModels models) : IDetector
{
    public const string DetectorName = "drift.anomaly";

    public string Name => DetectorName;

    public double DefaultThreshold => 1.0;

    public DetectorResult Evaluate(DetectionContext context, DetectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        var model = models.For(context.Model, context.Route);
        if (model is null)
            return DetectorResult.Abstain(Name, settings.Threshold,
                "No drift model for this stream yet: one is trained once it has enough uniform-stratum samples reviewed-in (see docs/drift.md).");
        var vector = context.Features.ToVector();
        if (vector.Length != model.Dimension)
            return DetectorResult.Abstain(Name, settings.Threshold, $"The stream's drift model (version {model.Version}) was trained on a different feature vector; it is retrained on the next run.");
        var ratio = model.Score(vector) / model.Threshold;
        var flagged = ratio >= settings.Threshold;
        var explanation = flagged
            ? $"Unusual for this stream: anomaly score {Format(ratio)}x its baseline's {model.Quantile:P1} quantile; most off: {MostOff(model, vector)}."
            : $"Within this stream's baseline (anomaly score {Format(ratio)}x its {model.Quantile:P1} quantile).";
        return new DetectorResult(Name, ratio, settings.Threshold, flagged, [], explanation);
    }

    private static string MostOff(DriftModel model, float[] vector)
    {
        var residuals = model.Residuals(vector);
        var names = OutputFeatures.VectorNames;
        return string.Join(", ", Enumerable.Range(0, residuals.Length)
            .OrderByDescending(i => Math.Abs(residuals[i]))
            .Take(3)
            .Select(i => $"{names[i]} {Format(vector[i])} (baseline mean {Format(model.FeatureMeans[i])})"));
    }

    private static string Format(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
