using Auditor.Server.Hosting;
using Auditor.Storage.Incidents;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Incidents;

/// <summary>Looks for incidents every Auditor:Incidents:IntervalMinutes.</summary>
public sealed partial class IncidentScanJob(IncidentScanner scanner, IOptionsMonitor<IncidentOptions> options, TimeProvider clock, ILogger<IncidentScanJob> logger)
    : PeriodicJob(clock)
{
    protected override TimeSpan Period => TimeSpan.FromMinutes(Math.Max(1, options.CurrentValue.IntervalMinutes));

    protected override FirstStep FirstStep => FirstStep.AfterOnePeriod;

    protected override async Task StepAsync(CancellationToken ct)
    {
        var result = await scanner.ScanAsync(options.CurrentValue.Scan, ct);
        foreach (var i in result.Opened)
            LogOpened(i.IncidentId, i.Stream.ToString(), i.Source, i.Summary);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Incident {IncidentId} opened on {Stream} ({Source}): {Summary}")]
    private partial void LogOpened(long incidentId, string stream, string source, string summary);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The incident scan failed; it runs again at the next interval")]
    protected override partial void LogStepFailed(Exception exception);
}
