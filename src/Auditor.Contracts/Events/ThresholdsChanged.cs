namespace Auditor.Contracts.Events;

/// <summary>
/// Published when a detector threshold version becomes active (calibration in auto mode, an admin's approval,
/// rollback or manual setting). Every consumer reloads its thresholds on it.
/// </summary>
/// <param name="VersionId">The version now active.</param>
/// <param name="Detector">The detector whose threshold changed.</param>
/// <param name="Model">The stream's model.</param>
/// <param name="Route">The stream's route.</param>
/// <param name="Threshold">The threshold now in force.</param>
/// <param name="ChangedAt">When it became active.</param>
public sealed record ThresholdsChanged(long VersionId, string Detector, string Model, string Route, double Threshold, DateTimeOffset ChangedAt);
