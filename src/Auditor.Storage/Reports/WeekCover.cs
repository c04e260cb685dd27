using Auditor.Storage.Retention;

namespace Auditor.Storage.Reports;

/// <summary>
/// How a time range [From, To) is read: stored weeks that lie wholly inside it come from the weekly aggregates, and the
/// rest (the current week, weeks not stored yet, partial weeks at the edges) from the hour counters.
/// </summary>
public sealed record WeekCover(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<DateTimeOffset> StoredWeeks, IReadOnlyList<(DateTimeOffset From, DateTimeOffset To)> HourRanges)
{
    public static WeekCover Of(DateTimeOffset from, DateTimeOffset to, IReadOnlySet<DateTimeOffset> stored)
    {
        var weeks = new List<DateTimeOffset>();
        var ranges = new List<(DateTimeOffset, DateTimeOffset)>();
        var cursor = from;
        var week = TimePartitionedTables.WeekStart(from);
        if (week < from)
            week = week.AddDays(7);
        for (; week.AddDays(7) <= to; week = week.AddDays(7))
        {
            if (!stored.Contains(week))
                continue;
            if (cursor < week)
                ranges.Add((cursor, week));
            weeks.Add(week);
            cursor = week.AddDays(7);
        }
        if (cursor < to)
            ranges.Add((cursor, to));
        return new WeekCover(from, to, weeks, ranges);
    }
}
