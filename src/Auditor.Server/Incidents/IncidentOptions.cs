using Auditor.Review.Incidents;
using Auditor.Storage.Incidents;

namespace Auditor.Server.Incidents;

/// <summary>Auditor:Incidents: how often and how sensitively incidents are looked for.</summary>
public sealed class IncidentOptions
{
    public const string Section = "Auditor:Incidents";

    public int IntervalMinutes { get; set; } = 15;
    public int BaselineHours { get; set; } = 168;
    public int ScanHours { get; set; } = 48;
    public long MinBaselineSamples { get; set; } = 200;
    public double RelativeIncrease { get; set; } = 2.0;
    public double MinAbsoluteIncrease { get; set; } = 0.02;
    public double DecisionThreshold { get; set; } = 10.0;
    public int ReviewMinFailures { get; set; } = 3;
    public int ReviewWindowHours { get; set; } = 24;

    public IncidentScanOptions Scan => new(
        new CusumOptions(BaselineHours, ScanHours, MinBaselineSamples, RelativeIncrease, MinAbsoluteIncrease, DecisionThreshold),
        ReviewMinFailures, TimeSpan.FromHours(ReviewWindowHours));
}

/// <summary>Auditor:Alerts: where incident and report alerts go, and how hard delivery tries.</summary>
public sealed class AlertOptions
{
    public const string Section = "Auditor:Alerts";

    /// <summary>Slack-compatible incoming webhook; none configured means bus events only.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>The server's address as people reach it, for links in alerts (optional).</summary>
    public string? PublicUrl { get; set; }

    public int MaxAttempts { get; set; } = 10;
    public double InitialBackoffSeconds { get; set; } = 5;
    public double MaxBackoffSeconds { get; set; } = 900;
    public double PollSeconds { get; set; } = 5;
    public double TimeoutSeconds { get; set; } = 10;

    /// <summary>Wait before attempt n+1 after n failed attempts: Initial x 2^(n-1), capped (5 s, 10 s, 20 s, ... 15 min).</summary>
    public TimeSpan BackoffAfter(int failedAttempts) =>
        TimeSpan.FromSeconds(Math.Min(MaxBackoffSeconds, InitialBackoffSeconds * Math.Pow(2, Math.Max(0, failedAttempts - 1))));
}
