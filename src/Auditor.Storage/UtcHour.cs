namespace Auditor.Storage;

/// <summary>Hour boundaries in UTC: the unit of every hourly counter and of the drift baseline window's end.</summary>
internal static class UtcHour
{
    /// <summary>The start of the UTC hour that contains <paramref name="t"/>.</summary>
    public static DateTimeOffset Floor(DateTimeOffset t)
    {
        var u = t.UtcDateTime;
        return new DateTimeOffset(u.Year, u.Month, u.Day, u.Hour, 0, 0, TimeSpan.Zero);
    }
}
