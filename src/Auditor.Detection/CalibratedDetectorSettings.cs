namespace Auditor.Detection;

/// <summary>
/// Thresholds learned by calibration (or set by an admin), layered over a base source (rules/ or defaults): for a
/// detector on a stream with an active version, that version's threshold wins; enabling stays the base's decision.
/// The overrides are swapped whole, so a consumer never sees half of a reload.
/// </summary>
public sealed class CalibratedDetectorSettings(IDetectorSettingsSource baseSource) : IDetectorSettingsSource
{
    private volatile IReadOnlyDictionary<(string Detector, string Model, string Route), double> _overrides =
        new Dictionary<(string, string, string), double>();

    public IReadOnlyDictionary<(string Detector, string Model, string Route), double> Overrides => _overrides;

    public void Replace(IReadOnlyDictionary<(string Detector, string Model, string Route), double> overrides) => _overrides = overrides;

    public DetectorSettings For(IDetector detector, string model, string route)
    {
        var settings = baseSource.For(detector, model, route);
        return _overrides.TryGetValue((detector.Name, model, route), out var threshold) ? settings with { Threshold = threshold } : settings;
    }
}
