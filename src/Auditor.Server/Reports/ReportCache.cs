using System.Collections.Concurrent;
using Auditor.Review.Reports;
using Auditor.Storage.Reports;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Reports;

/// <summary>
/// Reports served to readers (the API, its charts, the reports page), each built at most once per
/// Auditor:Reports:CacheSeconds (default 60) per week in this process: any user may ask as often as they like, the
/// database answers at most once a minute per week. The build reads stored weeks from the weekly aggregates.
/// </summary>
public sealed class ReportCache(WeeklyReportLoader loader, IOptionsMonitor<ReportOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, Lazy<Task<WeeklyReport>> Report)> _built = new(StringComparer.Ordinal);

    public async Task<WeeklyReport> GetAsync(IsoWeek week, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var ttl = TimeSpan.FromSeconds(options.CurrentValue.CacheSeconds);
        var key = week.ToString();
        var entry = _built.AddOrUpdate(key, _ => New(week, now), (_, old) => now - old.At < ttl && !old.Report.Value.IsFaulted ? old : New(week, now));
        return await entry.Report.Value.WaitAsync(ct);
    }

    // The build runs without the first reader's cancellation: readers that came later wait on the same build.
    private (DateTimeOffset, Lazy<Task<WeeklyReport>>) New(IsoWeek week, DateTimeOffset now) =>
        (now, new Lazy<Task<WeeklyReport>>(async () => (await loader.BuildAsync(week, ReportLinks.Default, CancellationToken.None)).Report));
}
