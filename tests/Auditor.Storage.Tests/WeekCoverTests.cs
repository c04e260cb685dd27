using Auditor.Storage.Reports;

namespace Auditor.Storage.Tests;

public sealed class WeekCoverTests
{
    private static DateTimeOffset Utc(int y, int m, int d, int h = 0) => new(y, m, d, h, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Splits_a_range_into_whole_weeks_and_hour_edges_that_together_cover_it_exactly()
    {
        // Wednesday 2026-11-04 06:00 to Thursday 2026-11-26 12:00: whole weeks from Monday 11-09 through the week of 11-16.
        var cover = WeekCover.Of(Utc(2026, 11, 4, 6), Utc(2026, 11, 26, 12));
        Assert.Equal(Utc(2026, 11, 9), cover.FirstWeek);
        Assert.Equal(Utc(2026, 11, 16), cover.LastWeek);
        Assert.Equal([(Utc(2026, 11, 4, 6), Utc(2026, 11, 9)), (Utc(2026, 11, 23), Utc(2026, 11, 26, 12))], cover.HourRanges);
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z")]
    [InlineData("9999-12-30T00:00:00Z", "9999-12-31T23:59:59Z")]
    [InlineData("0001-01-01T00:00:00Z", "0001-01-03T00:00:00Z")]
    public void Takes_any_range_a_caller_can_name_without_stepping_past_the_calendar(string from, string to)
    {
        var f = DateTimeOffset.Parse(from, System.Globalization.CultureInfo.InvariantCulture);
        var t = DateTimeOffset.Parse(to, System.Globalization.CultureInfo.InvariantCulture);
        var cover = WeekCover.Of(f, t);
        var weeks = cover.FirstWeek is { } first && cover.LastWeek is { } last ? (last.AddDays(7) - first) : TimeSpan.Zero;
        Assert.Equal(t - f, weeks + cover.HourRanges.Aggregate(TimeSpan.Zero, (sum, r) => sum + (r.To - r.From)));
    }
}
