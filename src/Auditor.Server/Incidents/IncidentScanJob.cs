using Auditor.Storage.Incidents;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Incidents;

/// <summary>Looks for incidents every Auditor:Incidents:IntervalMinutes.</summary>
public sealed partial class IncidentScanJob(IncidentScanner scanner, IOptionsMonitor<IncidentOptions> options, ILogger<IncidentScanJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMinutes(Math.Max(1, options.CurrentValue.IntervalMinutes)), stoppingToken);
            try
            {
                var result = await scanner.ScanAsync(options.CurrentValue.Scan, stoppingToken);
                foreach (var i in result.Opened)
                    LogOpened(i.IncidentId, i.Stream.ToString(), i.Source, i.Summary);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Incident {IncidentId} opened on {Stream} ({Source}): {Summary}")]
    private partial void LogOpened(long incidentId, string stream, string source, string summary);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The incident scan failed; it runs again at the next interval")]
    private partial void LogFailed(Exception exception);
}
