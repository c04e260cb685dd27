using Auditor.Contracts;
using Auditor.Storage.Samples;

namespace Auditor.Server.Store;

/// <summary>Hourly, forgets dedupe ids whose samples are older than the contract accepts (plus a day of margin).</summary>
public sealed partial class DedupeRetentionService(SampleIdRetention retention, TimeProvider clock, ILogger<DedupeRetentionService> logger) : BackgroundService
{
    // A day beyond the contract's window, so clock skew between publisher and server cannot reopen a counted id.
    private static readonly TimeSpan Keep = new ContractLimits().MaxAge + TimeSpan.FromDays(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), clock);
        do
        {
            try
            {
                var purged = await retention.PurgeAsync(clock.GetUtcNow() - Keep, stoppingToken);
                if (purged > 0)
                    LogPurged(purged);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Forgot {Count} dedupe ids older than the contract's window")]
    private partial void LogPurged(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dedupe retention failed; will try again in an hour")]
    private partial void LogFailed(Exception exception);
}
