namespace Auditor.Contracts.Events;

/// <summary>
/// Published when a stream's window drifts from its baseline (see docs/drift.md): the share of anomalous outputs, the
/// share of looping or blank outputs, or the distribution of output features moved beyond chance (Benjamini-Hochberg across
/// streams, rules and features) and beyond a minimum effect size. Subscribe to page someone or to pause a rollout. Delivery
/// is at least once (through the alert outbox, like <see cref="IncidentOpened"/>): treat <c>AlertId</c> as an idempotency key.
/// </summary>
/// <param name="AlertId">The stored alert (GET /api/v1/drift).</param>
/// <param name="Model">The stream's model.</param>
/// <param name="Route">The stream's route.</param>
/// <param name="WindowKind">"recent" (the last 10 to 20 minutes), "hourly" or "daily".</param>
/// <param name="WindowStart">Start of the window (UTC, inclusive).</param>
/// <param name="WindowEnd">End of the window (UTC, exclusive).</param>
/// <param name="Samples">Samples in the window when the alert was raised.</param>
/// <param name="Statistic">"anomalous-share" (share of drift.anomaly outliers), "looping-share" or "blank-share" (share of outputs an
/// indicator rule calls looping or blank), or "ks" (a feature's distribution).</param>
/// <param name="PValue">The leading test's p-value before multiple-testing control.</param>
/// <param name="Effect">The leading share / its expected share, or the leading feature's PSI.</param>
/// <param name="Features">The features that moved most, most first (names from the drift feature vector).</param>
/// <param name="Message">The alert in words a reviewer reads ("outputs got 3x longer; repetition rose from 2% to 31%").</param>
/// <param name="DetectedAt">When the alert was raised.</param>
public sealed record DriftDetected(long AlertId, string Model, string Route, string WindowKind, DateTimeOffset WindowStart, DateTimeOffset WindowEnd,
    int Samples, string Statistic, double PValue, double Effect, IReadOnlyList<string> Features, string Message, DateTimeOffset DetectedAt);
