namespace Auditor.Storage.Retention;

/// <summary>A table kept by time: its name, the timestamp column that places a row in a week, and its retention.</summary>
/// <param name="Name">The table (on PostgreSQL the partitioned parent; partitions are Name_wYYYYMMDD and Name_default).</param>
/// <param name="TimeColumn">The partition key on PostgreSQL, the column retention deletes by on SQLite.</param>
/// <param name="Days">How long rows are kept; 0 keeps them for good.</param>
public sealed record TimePartitionedTable(string Name, string TimeColumn, int Days);

/// <summary>The four tables partitioned by week (migration 0014), with their retention under a policy.</summary>
public static class TimePartitionedTables
{
    public static IReadOnlyList<TimePartitionedTable> Under(RetentionPolicy policy) =>
    [
        new("sample_ids", "occurred_at", policy.SampleIdsDays),
        new("samples", "occurred_at", policy.SamplesDays),
        new("detector_results", "occurred_at", policy.DetectorResultsDays),
        new("review_items", "created_at", policy.ReviewItemsDays),
    ];

    /// <summary>The Monday 00:00 UTC that starts the week holding <paramref name="t"/> (the ISO week, as in reports).</summary>
    public static DateTimeOffset WeekStart(DateTimeOffset t)
    {
        var day = t.UtcDateTime.Date;
        var sinceMonday = ((int)day.DayOfWeek + 6) % 7;
        return new DateTimeOffset(day.AddDays(-sinceMonday), TimeSpan.Zero);
    }
}
