using System.Globalization;
using System.Text.RegularExpressions;

namespace Auditor.Review.Reports;

/// <summary>An ISO 8601 week, "2026-W47": Monday 00:00 UTC to the next Monday.</summary>
public readonly partial record struct IsoWeek(int Year, int Week) : IComparable<IsoWeek>
{
    /// <summary>
    /// The years a week may be parsed from. A report reaches weeks back for its trend and a week forward for its end, so
    /// the far ends of the calendar (0001-W01, 9999-W52) would step outside what a date can hold; nothing Auditor counts
    /// is older than the contract's 30 days anyway.
    /// </summary>
    public const int FirstYear = 1970, LastYear = 9998;

    public DateOnly Start => DateOnly.FromDateTime(ISOWeek.ToDateTime(Year, Week, DayOfWeek.Monday));

    public DateTimeOffset StartUtc => new(Start.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    public DateTimeOffset EndUtc => StartUtc.AddDays(7);

    public IsoWeek Previous => Of(StartUtc.AddDays(-7));

    public IsoWeek Next => Of(StartUtc.AddDays(7));

    public IsoWeek Minus(int weeks) => Of(StartUtc.AddDays(-7 * weeks));

    public static IsoWeek Of(DateTimeOffset instant)
    {
        var day = instant.UtcDateTime;
        return new IsoWeek(ISOWeek.GetYear(day), ISOWeek.GetWeekOfYear(day));
    }

    public static IsoWeek Of(DateOnly day) => Of(new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));

    /// <summary>The last complete week before this instant (what a weekly report covers by default).</summary>
    public static IsoWeek LastComplete(DateTimeOffset now) => Of(now).Previous;

    public static bool TryParse(string? text, out IsoWeek week)
    {
        week = default;
        var m = Pattern().Match(text ?? "");
        if (!m.Success)
            return false;
        int year = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), number = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        if (year is < FirstYear or > LastYear || number < 1 || number > ISOWeek.GetWeeksInYear(year))
            return false;
        week = new IsoWeek(year, number);
        return true;
    }

    public static IsoWeek Parse(string text) => TryParse(text, out var week)
        ? week
        : throw new FormatException(Problem(text));

    /// <summary>What is wrong with a week that did not parse, in words.</summary>
    public static string Problem(string? text) =>
        $"'{text}' is not an ISO week such as 2026-W47 (a year from {FirstYear} to {LastYear}, -W, and a week number that year has).";

    public int CompareTo(IsoWeek other) => Start.CompareTo(other.Start);

    public override string ToString() => $"{Year:D4}-W{Week:D2}";

    [GeneratedRegex(@"^(\d{4})-?W(\d{2})$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
