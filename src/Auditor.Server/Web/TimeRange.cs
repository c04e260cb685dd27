using System.Globalization;

namespace Auditor.Server.Web;

/// <summary>
/// Optional from/to filters as the API and pages accept them (RFC 3339 or ISO dates, UTC when no offset is given),
/// defaulting to bounds both databases store and compare without special values.
/// </summary>
public static class TimeRange
{
    public static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset Latest = new(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Parses both ends; false when a given one is not a time. An absent (null or empty) end takes its default.</summary>
    public static bool TryParse(string? from, string? to, out DateTimeOffset start, out DateTimeOffset end) =>
        TryTime(from, Earliest, out start) & TryTime(to, Latest, out end);

    private static bool TryTime(string? text, DateTimeOffset fallback, out DateTimeOffset value)
    {
        value = fallback;
        return string.IsNullOrEmpty(text)
            || DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }
}
