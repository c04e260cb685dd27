namespace Auditor.Detection;

/// <summary>The settings of one detector for one stream: whether it runs, and the threshold its score is compared with.</summary>
public sealed record DetectorSettings(bool Enabled, double Threshold);

/// <summary>Resolves the settings in force for a detector on a stream (from defaults, rules/ and calibrated versions).</summary>
public interface IDetectorSettingsSource
{
    DetectorSettings For(IDetector detector, string model, string route);
}

/// <summary>Every detector enabled at its default threshold, unless a per-detector override is given.</summary>
public sealed class DefaultDetectorSettings(IReadOnlyDictionary<string, DetectorSettings>? overrides = null) : IDetectorSettingsSource
{
    public DetectorSettings For(IDetector detector, string model, string route) =>
        overrides is not null && overrides.TryGetValue(detector.Name, out var s) ? s : new DetectorSettings(true, detector.DefaultThreshold);
}
