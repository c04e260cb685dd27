using Auditor.Storage.Retention;

namespace Auditor.Storage.Reports;

/// <summary>
/// How a time range [From, To) is read: whole weeks (Monday 00:00 UTC) inside it from the weekly aggregates, the partial
/// weeks at its edges from the hour counters. A range of whole weeks costs streams x weeks, whatever the traffic.
/// </summary>
public sealed record WeekCover(DateTimeOffset From, DateTimeOffset To, DateTimeOffset? FirstWeek, DateTimeOffset? LastWeek,
    IReadOnlyList<(DateTimeOffset From, DateTimeOffset To)> HourRanges)
{
    public static WeekCover Of(DateTimeOffset from, DateTimeOffset to, bool readWeeks = true)
    {
        var first = TimePartitionedTables.WeekStart(from);
        // Arithmetic that cannot step past DateTimeOffset's range: a caller may ask for any time up to 9999-12-31.
        if (first < from)
            first = (DateTimeOffset.MaxValue - first).TotalDays > 7 ? first.AddDays(7) : DateTimeOffset.MaxValue;
        var wholeWeeks = to > first ? Math.Floor((to - first).TotalDays / 7) : 0;
        var end = first.AddDays(7 * wholeWeeks); // the end of the last whole week inside the range
        if (!readWeeks || end == first)
            return new WeekCover(from, to, null, null, from < to ? [(from, to)] : []);
        var ranges = new List<(DateTimeOffset, DateTimeOffset)>();
        if (from < first)
            ranges.Add((from, first));
        if (end < to)
            ranges.Add((end, to));
        return new WeekCover(from, to, first, end.AddDays(-7), ranges);
    }
}
