using Auditor.Review.Reports;

namespace Auditor.Review.Tests.Reports;

public sealed class IsoWeekAndScheduleTests
{
    [Theory]
    [InlineData("2026-W47", "2026-11-16")]
    [InlineData("2026-W01", "2025-12-29")]
    [InlineData("2020-W53", "2020-12-28")]
    public void An_iso_week_starts_on_its_monday(string week, string monday)
    {
        var w = IsoWeek.Parse(week);

        Assert.Equal(DateOnly.Parse(monday, System.Globalization.CultureInfo.InvariantCulture), w.Start);
        Assert.Equal(week, w.ToString());
        Assert.Equal(w, IsoWeek.Of(w.StartUtc.AddDays(6.99)));
    }

    [Theory]
    [InlineData("2026-W54")]
    [InlineData("2026-W00")]
    [InlineData("2026-47")]
    [InlineData("<script>")]
    [InlineData("0001-W01")]
    [InlineData("9999-W53")]
    [InlineData("9999-W01")]
    [InlineData("2026-W60")]
    [InlineData("1969-W52")]
    public void Bad_weeks_are_refused(string text) => Assert.False(IsoWeek.TryParse(text, out _));

    [Theory]
    [InlineData("1970-W01")]
    [InlineData("9998-W52")]
    public void The_first_and_last_parseable_weeks_have_a_trend_and_an_end(string text)
    {
        var week = IsoWeek.Parse(text);

        Assert.True(week.Minus(52).StartUtc < week.StartUtc);
        Assert.True(week.Next.StartUtc > week.StartUtc);
    }

    [Fact]
    public void The_schedule_runs_next_on_its_day_and_time_and_reports_the_last_complete_week()
    {
        var schedule = new ReportSchedule(DayOfWeek.Monday, new TimeOnly(6, 0));
        var wednesday = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

        var next = schedule.NextAfter(wednesday);

        Assert.Equal(new DateTimeOffset(2026, 11, 30, 6, 0, 0, TimeSpan.Zero), next);
        Assert.Equal("2026-W48", IsoWeek.LastComplete(next).ToString());
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 6, 0, 0, TimeSpan.Zero), schedule.LastAtOrBefore(wednesday));
        Assert.Equal(next.AddDays(7), schedule.NextAfter(next));
    }
}
