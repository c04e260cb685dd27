using Auditor.Server.Hosting;
using Auditor.Storage.Retention;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Store;

/// <summary>
/// At start and then daily: on PostgreSQL creates the week partitions up to four weeks ahead and drops those past each
/// table's retention; on SQLite deletes rows past it in batches (<see cref="RetentionStore"/>). Idempotent, and safe
/// on several servers at once (they take turns on a database lock).
/// </summary>
public sealed partial class RetentionJob(RetentionStore store, IOptionsMonitor<RetentionOptions> options, TimeProvider clock, ILogger<RetentionJob> logger)
    : PeriodicJob(clock)
{
    protected override TimeSpan Period => TimeSpan.FromDays(1);

    protected override FirstStep FirstStep => FirstStep.Immediately;

    protected override async Task StepAsync(CancellationToken ct)
    {
        var outcome = await store.ApplyAsync(options.CurrentValue.ToPolicy(), Clock.GetUtcNow(), ct);
        if (outcome.DidAnything)
            LogApplied(string.Join(", ", outcome.Created), string.Join(", ", outcome.Dropped),
                string.Join(", ", outcome.Deleted.Where(d => d.Value > 0).Select(d => $"{d.Key}: {d.Value}")));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: partitions created [{Created}], dropped [{Dropped}]; rows deleted [{Deleted}]")]
    private partial void LogApplied(string created, string dropped, string deleted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retention and partition upkeep failed; will try again tomorrow (or at the next start)")]
    protected override partial void LogStepFailed(Exception exception);
}
