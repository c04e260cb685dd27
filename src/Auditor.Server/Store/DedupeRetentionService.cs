using Auditor.Contracts;
using Auditor.Server.Hosting;
using Auditor.Storage.Samples;

namespace Auditor.Server.Store;

/// <summary>Hourly, forgets dedupe ids whose samples are older than the contract accepts (plus a day of margin).</summary>
public sealed partial class DedupeRetentionService(SampleIdRetention retention, TimeProvider clock, ILogger<DedupeRetentionService> logger)
    : PeriodicJob(clock)
{
    // A day beyond the contract's window, so clock skew between publisher and server cannot reopen a counted id.
    public static readonly TimeSpan Keep = new ContractLimits().MaxAge + TimeSpan.FromDays(1);

    protected override TimeSpan Period => TimeSpan.FromHours(1);

    protected override FirstStep FirstStep => FirstStep.Immediately;

    protected override async Task StepAsync(CancellationToken ct)
    {
        var purged = await retention.PurgeAsync(Clock.GetUtcNow() - Keep, ct);
        if (purged > 0)
            LogPurged(purged);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Forgot {Count} dedupe ids older than the contract's window")]
    private partial void LogPurged(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dedupe retention failed; will try again in an hour")]
    protected override partial void LogStepFailed(Exception exception);
}
