namespace Auditor.Review.Reports;

/// <summary>When the weekly report runs: a day of the week and a UTC time of day.</summary>
public sealed record ReportSchedule(DayOfWeek Day, TimeOnly TimeUtc)
{
    public static ReportSchedule Default { get; } = new(DayOfWeek.Monday, new TimeOnly(6, 0));

    /// <summary>The first scheduled instant strictly after <paramref name="now"/>.</summary>
    public DateTimeOffset NextAfter(DateTimeOffset now)
    {
        var utc = now.ToUniversalTime();
        var date = DateOnly.FromDateTime(utc.UtcDateTime);
        for (var i = 0; i <= 7; i++)
        {
            var day = date.AddDays(i);
            if (day.DayOfWeek != Day)
                continue;
            var at = new DateTimeOffset(day.ToDateTime(TimeUtc), TimeSpan.Zero);
            if (at > utc)
                return at;
        }
        return new DateTimeOffset(date.AddDays(7).ToDateTime(TimeUtc), TimeSpan.Zero);
    }

    /// <summary>The latest scheduled instant at or before <paramref name="now"/>: a run due now or missed while the server was down.</summary>
    public DateTimeOffset LastAtOrBefore(DateTimeOffset now) => NextAfter(now).AddDays(-7);
}
