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

public sealed class FlagOnsetTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void Finds_the_minute_a_flag_rate_stepped_up_within_5_minutes_in_most_runs_and_holds_the_truth_in_its_interval()
    {
        // One sample a second, flagged with 0.02 / 60 before minute 37 and 0.5 / 60 after (0.02 flags a minute, then 0.5:
        // the demo's looping deployment); 200 runs of two hours, seed fixed.
        var random = new Random(1620);
        var from = new DateTimeOffset(2026, 11, 19, 10, 0, 0, TimeSpan.Zero);
        var change = from.AddMinutes(37);
        int close = 0, held = 0;
        const int runs = 200;
        for (var run = 0; run < runs; run++)
        {
            var times = new List<DateTimeOffset>();
            for (var second = 0; second < 120 * 60; second++)
                if (random.NextDouble() < (second < 37 * 60 ? 0.02 : 0.5) / 60)
                    times.Add(from.AddSeconds(second));
            var onset = FlagOnset.Estimate(times, from, from.AddMinutes(120), 0.02)!;
            Assert.InRange(onset.Onset, onset.Earliest, onset.Latest);
            close += Math.Abs((onset.Onset - change).TotalMinutes) <= 5 ? 1 : 0;
            held += change >= onset.Earliest && change <= onset.Latest.AddMinutes(1) ? 1 : 0;
        }
        output.WriteLine($"onset within 5 minutes in {close} of {runs} runs; the likelihood interval held the change in {held}");
        Assert.True(close >= 0.85 * runs, $"{close} of {runs} within 5 minutes");
        // A likelihood interval for a change point is not a 95% interval (the problem is not regular): 175 of 200 here.
        Assert.True(held >= 0.85 * runs, $"{held} of {runs} intervals held the change");
    }

    [Fact]
    public void Gives_no_estimate_without_flagged_samples_or_a_baseline_rate()
    {
        var from = new DateTimeOffset(2026, 11, 19, 10, 0, 0, TimeSpan.Zero);
        Assert.Null(FlagOnset.Estimate([], from, from.AddHours(2), 0.02));
        Assert.Null(FlagOnset.Estimate([from.AddMinutes(3)], from, from.AddHours(2), 0));
    }
}
