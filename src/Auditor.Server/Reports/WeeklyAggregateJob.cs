using Auditor.Server.Hosting;
using Auditor.Storage.Reports;
using Auditor.Storage.Retention;

namespace Auditor.Server.Reports;

/// <summary>
/// Stores each week's aggregates once the week is over (hourly check, and at start for the last
/// <see cref="WeeksBack"/> weeks), and refreshes a stored week once a day while samples for it may still arrive (the
/// contract accepts samples up to 30 days old). Reports, the streams page and the API only read them.
/// </summary>
public sealed partial class WeeklyAggregateJob(WeeklyAggregateStore store, TimeProvider clock, ILogger<WeeklyAggregateJob> logger) : PeriodicJob(clock)
{
    /// <summary>The report's trend weeks and a margin: older weeks are read from the hour counters if ever asked for.</summary>
    public const int WeeksBack = 12;

    private static readonly TimeSpan LateWindow = TimeSpan.FromDays(31);

    protected override TimeSpan Period => TimeSpan.FromHours(1);

    protected override FirstStep FirstStep => FirstStep.Immediately;

    protected override async Task StepAsync(CancellationToken ct)
    {
        var now = Clock.GetUtcNow();
        var current = TimePartitionedTables.WeekStart(now);
        var first = current.AddDays(-7 * WeeksBack);
        var built = await store.BuiltAtAsync(first, current, ct);
        for (var week = first; week < current; week = week.AddDays(7))
        {
            var stored = built.TryGetValue(week, out var at);
            var stillLate = week.AddDays(7) + LateWindow > now;
            if (stored && !(stillLate && at < now - TimeSpan.FromDays(1)))
                continue;
            await store.BuildAsync(week, now, ct);
            LogBuilt(week, stored);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Weekly aggregates of the week starting {Week:yyyy-MM-dd} stored (refresh: {Refresh})")]
    private partial void LogBuilt(DateTimeOffset week, bool refresh);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Building weekly aggregates failed; will try again in an hour")]
    protected override partial void LogStepFailed(Exception exception);
}
