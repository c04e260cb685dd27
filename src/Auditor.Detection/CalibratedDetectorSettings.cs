namespace Auditor.Detection;

/// <summary>
/// Thresholds learned by calibration (or set by an admin) for a detector on a stream. The registry applies them over
/// whatever rules/ or the defaults say; enabling stays rules/' decision. The table is swapped whole, so a consumer
/// never sees half of a reload.
/// </summary>
public sealed class CalibratedDetectorSettings
{
    private volatile IReadOnlyDictionary<(string Detector, string Model, string Route), double> _overrides =
        new Dictionary<(string, string, string), double>();

    /// <summary>The table in force; a new instance after every <see cref="Replace"/>.</summary>
    public IReadOnlyDictionary<(string Detector, string Model, string Route), double> Overrides => _overrides;

    public void Replace(IReadOnlyDictionary<(string Detector, string Model, string Route), double> overrides) => _overrides = overrides;
}
