namespace Auditor.Server.Drift;

/// <summary>Auditor:Drift settings.</summary>
public sealed class DriftOptions
{
    public const string Section = "Auditor:Drift";

    /// <summary>Models are retrained when the newest one is older than this (hours).</summary>
    public double TrainEveryHours { get; set; } = 24;

    /// <summary>How often each process reloads active models and, when due, trains (minutes).</summary>
    public double RefreshMinutes { get; set; } = 5;

    /// <summary>How often window sketches are flushed and windows tested (seconds).</summary>
    public double MonitorSeconds { get; set; } = 60;

    /// <summary>False discovery rate of the window tests across streams and features.</summary>
    public double Alpha { get; set; } = 0.001;

    /// <summary>Quantile of held-out baseline scores at which drift.anomaly flags.</summary>
    public double Quantile { get; set; } = 0.995;

    /// <summary>Seed of the randomized PCA.</summary>
    public int Seed { get; set; } = 20261125;
}
