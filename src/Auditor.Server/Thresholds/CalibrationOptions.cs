using Auditor.Review.Calibration;

namespace Auditor.Server.Thresholds;

/// <summary>The Auditor:Calibration section.</summary>
public sealed class CalibrationOptions
{
    public const string Section = "Auditor:Calibration";

    /// <summary>How often the calibration job runs.</summary>
    public int IntervalMinutes { get; set; } = 60;

    public double TargetPrecision { get; set; } = 0.9;
    public int MinLabels { get; set; } = 50;
    public int MinFailures { get; set; } = 5;

    /// <summary>Largest move per run, as a share of the current threshold.</summary>
    public double MaxStep { get; set; } = 0.25;

    /// <summary>Per detector: "auto" (applied at once) or "propose" (an admin approves). Default propose.</summary>
    public Dictionary<string, string> Modes { get; set; } = [];

    public bool IsAuto(string detector) => Modes.TryGetValue(detector, out var mode) && string.Equals(mode, "auto", StringComparison.OrdinalIgnoreCase);

    public CalibrationPolicy Policy => new(TargetPrecision, MinLabels, MinFailures, MaxStep);
}
