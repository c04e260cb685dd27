using System.Collections.Frozen;

namespace Auditor.Detection;

/// <summary>
/// The settings of one detector for one stream: whether it runs, the threshold its score is compared with, and the
/// parts of its score switched off on the stream (<see cref="SignsOff"/>).
/// </summary>
public sealed record DetectorSettings(bool Enabled, double Threshold)
{
    private static readonly FrozenSet<string> AllOn = FrozenSet<string>.Empty;

    /// <summary>
    /// Names of the detector's signs that do not count on this stream (degeneration's, from rules/); empty: all count.
    /// </summary>
    public IReadOnlySet<string> SignsOff { get; init; } = AllOn;

    /// <summary>The detector's named values from rules/ (the language detector's <c>expect</c>, the format detector's <c>schema</c>).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = FrozenDictionary<string, string>.Empty;

    /// <summary>A parameter's value, or null when rules/ does not set it.</summary>
    public string? Parameter(string name) => Parameters.TryGetValue(name, out var value) ? value : null;

    // Value equality over the set's and the dictionary's members, not their instances.
    public bool Equals(DetectorSettings? other) =>
        other is not null && Enabled == other.Enabled && Threshold.Equals(other.Threshold) && SignsOff.SetEquals(other.SignsOff)
        && Parameters.Count == other.Parameters.Count && Parameters.All(p => other.Parameters.TryGetValue(p.Key, out var v) && v == p.Value);

    public override int GetHashCode() => HashCode.Combine(Enabled, Threshold, SignsOff.Count);
}

/// <summary>Resolves the settings in force for a detector on a stream (from defaults, rules/ and calibrated versions).</summary>
public interface IDetectorSettingsSource
{
    DetectorSettings For(IDetector detector, string model, string route);
}

/// <summary>Every detector enabled at its default threshold, unless a per-detector override is given.</summary>
public sealed class DefaultDetectorSettings(IReadOnlyDictionary<string, DetectorSettings>? overrides = null) : IDetectorSettingsSource
{
    public DetectorSettings For(IDetector detector, string model, string route) =>
        overrides is not null && overrides.TryGetValue(detector.Name, out var s)
            ? s
            : new DetectorSettings(true, detector.DefaultThreshold) { SignsOff = detector.SignsOffByDefault };
}
