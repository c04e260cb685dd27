using Auditor.Detection.Drift;

namespace Auditor.Detection.Tests.Drift;

public sealed class IndicatorHistoryTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Hours_that_agree_on_one_rate_are_worth_every_sample()
    {
        // 300 hours of 2,000 judged samples, each output looping with probability 1%: binomial hour to hour.
        var random = new Random(7);
        var hours = Hours(300, 2000, _ => 0.01, random);

        var baseline = IndicatorHistory.Baseline(hours)!;

        Assert.Equal(600_000, baseline.Samples);
        Assert.InRange(baseline.CountOf(DriftIndicators.Looping)!.Value / 600_000.0, 0.009, 0.011);
    }

    [Fact]
    public void Hours_whose_rate_swings_are_worth_only_what_the_swing_allows_and_keep_the_pooled_rate()
    {
        // Looping at 0.5% in half the hours and 3% in the other half: pooled 1.75%, but no single rate to know precisely.
        var random = new Random(8);
        var hours = Hours(300, 2000, h => h % 2 == 0 ? 0.005 : 0.03, random);

        var baseline = IndicatorHistory.Baseline(hours)!;

        // The hourly rates' spread (sd ~1.25 points around 1.75%) is that of a beta distribution worth ~100 samples.
        Assert.InRange(baseline.Samples, 50, 250);
        Assert.InRange(baseline.CountOf(DriftIndicators.Looping)!.Value / (double)baseline.Samples, 0.01, 0.03);
    }

    [Fact]
    public void A_window_at_four_percent_is_a_rise_against_a_steady_one_percent_but_not_against_a_swinging_one()
    {
        var steady = IndicatorHistory.Baseline(Hours(300, 2000, _ => 0.01, new Random(9)))!;
        var swinging = IndicatorHistory.Baseline(Hours(300, 2000, h => h % 2 == 0 ? 0.002 : 0.018, new Random(10)))!;
        var model = DriftModelTrainer.Train("m", "r", new DriftStreams(36).Baseline(1000));

        DriftWindow Window(DriftIndicatorBaseline b) =>
            new(model.WithIndicators(b), "hourly", DriftStreams.Start, DriftStreams.Start.AddHours(1), IndicatorWindow(model, samples: 1000, looping: 40));

        Assert.Equal("looping-share", Assert.Single(WindowDriftEvaluator.Evaluate([Window(steady)])).Statistic);
        Assert.Empty(WindowDriftEvaluator.Evaluate([Window(swinging)]));
    }

    [Fact]
    public void Without_every_rule_counted_over_the_same_samples_there_is_no_baseline()
    {
        var looping = new IndicatorHour(DriftIndicators.Looping.Name, Start, 1000, 10);
        Assert.Null(IndicatorHistory.Baseline([looping]));
        Assert.Null(IndicatorHistory.Baseline([looping, new IndicatorHour(DriftIndicators.Blank.Name, Start, 900, 0)]));
        Assert.Equal(1000, IndicatorHistory.Baseline([looping, new IndicatorHour(DriftIndicators.Blank.Name, Start, 1000, 0)])!.Samples);
    }

    private static List<IndicatorHour> Hours(int count, int perHour, Func<int, double> loopingRate, Random random)
    {
        var hours = new List<IndicatorHour>();
        for (var h = 0; h < count; h++)
        {
            var met = 0;
            for (var i = 0; i < perHour; i++)
                met += random.NextDouble() < loopingRate(h) ? 1 : 0;
            hours.Add(new IndicatorHour(DriftIndicators.Looping.Name, Start.AddHours(h), perHour, met));
            hours.Add(new IndicatorHour(DriftIndicators.Blank.Name, Start.AddHours(h), perHour, 0));
        }
        return hours;
    }

    /// <summary>A window in the baseline's proportions per feature and at its expected anomalous share, with a looping count.</summary>
    private static DriftWindowCounts IndicatorWindow(DriftModel model, int samples, int looping)
    {
        var bins = model.BinShares.Select(shares =>
        {
            var counts = shares.Select(s => (int)Math.Round(s * samples)).ToArray();
            counts[^1] += samples - counts.Sum();
            return counts;
        }).ToArray();
        return DriftWindowCounts.Empty(model) with
        {
            Samples = samples, Anomalous = (int)Math.Round(model.ExpectedAnomalousShare * samples), Sums = model.FeatureMeans.Select(m => m * samples).ToArray(),
            AnomalousSums = model.FeatureMeans.Select(m => m * 5).ToArray(), BinCounts = bins, IndicatorCounts = [looping, 0],
        };
    }
}
