using Auditor.Review.Estimation;
using Auditor.Review.Incidents;

namespace Auditor.Review.Tests.Incidents;

public sealed class FlagRateCusumTests
{
    private static readonly StreamKey Stream = new("llama", "chat");
    private static readonly DateTimeOffset Start = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Hours with a binomial number of flags at rate p before hour h and q from it, seeded.</summary>
    private static List<HourlyFlags> Series(int hours, int perHour, double p, int changeHour, double q, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, hours).Select(i =>
        {
            var rate = i >= changeHour ? q : p;
            var flagged = Enumerable.Range(0, perHour).Count(_ => random.NextDouble() < rate);
            return new HourlyFlags(Start.AddHours(i), perHour, flagged);
        }).ToList();
    }

    [Fact]
    public void A_step_in_the_flag_rate_is_found_with_its_onset_within_an_hour()
    {
        var hours = Series(120, 200, 0.02, changeHour: 100, q: 0.10, seed: 5);

        var alarm = FlagRateCusum.Detect(Stream, hours, Start.AddHours(72));

        Assert.NotNull(alarm);
        Assert.InRange((alarm.OnsetHour - Start.AddHours(100)).TotalHours, -1, 1);
        Assert.True(alarm.AlarmHour >= alarm.OnsetHour);
        Assert.InRange(alarm.BaselineRate, 0.01, 0.03);
    }

    [Fact]
    public void A_steady_stream_raises_no_alarm_over_many_seeds()
    {
        var alarms = Enumerable.Range(0, 200)
            .Count(seed => FlagRateCusum.Detect(Stream, Series(216, 100, 0.03, changeHour: int.MaxValue, q: 0, seed), Start.AddHours(168)) is not null);

        // h = 10 nats: a false alarm within 48 hours should be rare; allow one in a hundred.
        Assert.True(alarms <= 2, $"{alarms} false alarms in 200 steady streams");
    }

    [Fact]
    public void A_stream_without_enough_baseline_is_not_judged()
    {
        var hours = Series(30, 5, 0.0, changeHour: 20, q: 0.9, seed: 1);

        Assert.Null(FlagRateCusum.Detect(Stream, hours, Start.AddHours(20)));
    }

    [Fact]
    public void A_stream_that_never_flagged_alarms_when_it_starts_to()
    {
        var hours = Series(60, 100, 0.0, changeHour: 50, q: 0.2, seed: 2);

        var alarm = FlagRateCusum.Detect(Stream, hours, Start.AddHours(30));

        Assert.NotNull(alarm);
        Assert.Equal(Start.AddHours(50), alarm.OnsetHour);
        Assert.Equal(Start.AddHours(50), alarm.AlarmHour);
    }
}
