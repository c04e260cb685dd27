using Auditor.Review.Streams;

namespace Auditor.Review.Tests.Streams;

public sealed class FlagRateTrendTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 18, 20, 0, TimeSpan.Zero);

    private static HourCount Hour(int hoursAgo, long total, long flagged) => new(new DateTimeOffset(2026, 12, 3, 18, 0, 0, TimeSpan.Zero).AddHours(-hoursAgo), total, flagged);

    [Fact]
    public void Shows_a_rise_in_the_last_hour_that_is_more_than_chance()
    {
        var hours = Enumerable.Range(2, 22).Select(h => Hour(h, 200, 4)).Append(Hour(1, 200, 20)).Append(Hour(0, 60, 6));

        var trend = FlagRateTrend.Of(hours, Now);

        Assert.Equal(TrendDirection.Rising, trend.Direction);
        Assert.Equal(new WindowRate(260, 26), trend.LastHour);
        Assert.Equal(new WindowRate(22 * 200 + 260, 22 * 4 + 26), trend.LastDay);
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 17, 0, 0, TimeSpan.Zero), trend.LastHourSince);
        Assert.Equal(24, trend.Hourly.Count);
        Assert.Equal(0.1, trend.Hourly[^1]);
    }

    [Fact]
    public void Calls_a_small_wobble_steady_and_leaves_hours_outside_the_day_out()
    {
        var hours = Enumerable.Range(2, 22).Select(h => Hour(h, 50, 1)).Append(Hour(1, 20, 1)).Append(Hour(30, 1000, 1000));

        var trend = FlagRateTrend.Of(hours, Now);

        Assert.Equal(TrendDirection.Steady, trend.Direction);
        Assert.Equal(22 * 50 + 20, trend.LastDay.Total);
        Assert.Null(trend.Hourly[^1]);
    }

    [Fact]
    public void Says_nothing_about_a_trend_without_samples_to_compare()
    {
        var trend = FlagRateTrend.Of([Hour(0, 10, 1)], Now);

        Assert.Equal(TrendDirection.Unknown, trend.Direction);
        Assert.Null(FlagRateTrend.Of([], Now).LastDay.Rate);
    }
}
