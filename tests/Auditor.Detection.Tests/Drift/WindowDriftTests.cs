using Auditor.Detection.Drift;

namespace Auditor.Detection.Tests.Drift;

public sealed class WindowDriftTests
{
    [Fact]
    public void An_injected_length_shift_raises_an_alert_naming_length()
    {
        var streams = new DriftStreams(11);
        var model = DriftModelTrainer.Train("m", "r", streams.Baseline(4000));
        var traffic = streams.Stream(3000, s => s.Normal()).Concat(streams.Stream(3000, s => s.Normal(lengthFactor: 3)));
        var alert = Assert.Single(DriftReplay.Run(model, traffic, DriftStreams.Start, DriftStreams.Interval, evaluateEvery: 50, stopAtFirst: true));
        Assert.InRange(alert.AfterSample, 3001, 3500);
        Assert.Contains(alert.Alert.Features.Take(2), f => f.Feature is "logLength" or "logWordCount");
        Assert.Contains("longer", alert.Alert.Message);
    }

    [Fact]
    public void An_injected_repetition_onset_raises_an_alert_naming_repetition()
    {
        var streams = new DriftStreams(12);
        var model = DriftModelTrainer.Train("m", "r", streams.Baseline(4000));
        // From sample 3,000 on, a third of outputs loop.
        var random = new Random(12);
        var traffic = streams.Stream(3000, s => s.Normal()).Concat(streams.Stream(3000, s => random.NextDouble() < 0.33 ? s.Looping() : s.Normal()));
        var alert = Assert.Single(DriftReplay.Run(model, traffic, DriftStreams.Start, DriftStreams.Interval, evaluateEvery: 50, stopAtFirst: true)).Alert;
        Assert.Equal("anomalous-share", alert.Statistic);
        Assert.Contains(alert.Features, f => f.Feature.StartsWith("seqRep", StringComparison.Ordinal) || f.Feature is "repeatedShare" or "trailingLoopShare" or "compressionRatio");
        Assert.Contains(" rose from ", alert.Message);
    }

    [Fact]
    public void A_five_percent_share_of_looping_outputs_is_alerted_within_500_samples()
    {
        for (var seed = 0; seed < 5; seed++)
        {
            var streams = new DriftStreams(100 + seed);
            var model = DriftModelTrainer.Train("m", "r", streams.Baseline(4000));
            var random = new Random(seed);
            var traffic = streams.Stream(2500, s => s.Normal()).Concat(streams.Stream(2000, s => random.NextDouble() < 0.05 ? s.Looping() : s.Normal()));
            var alerts = DriftReplay.Run(model, traffic, DriftStreams.Start, DriftStreams.Interval, evaluateEvery: 50, stopAtFirst: true);
            var first = Assert.Single(alerts);
            Assert.True(first.AfterSample - 2500 is >= 1 and <= 500, $"seed {seed}: after {first.AfterSample - 2500}: {first.Alert.Message}");
        }
    }

    [Fact]
    public void A_stationary_stream_raises_no_alert_across_repeated_seeds()
    {
        for (var seed = 0; seed < 4; seed++)
        {
            var streams = new DriftStreams(200 + seed);
            var model = DriftModelTrainer.Train("m", "r", streams.Baseline(4000), new DriftTrainingOptions { Seed = seed });
            var alerts = DriftReplay.Run(model, streams.Stream(50_000, s => s.Normal()), DriftStreams.Start, DriftStreams.Interval, evaluateEvery: 50);
            Assert.True(alerts.Count == 0, $"seed {seed}: {string.Join(" | ", alerts.Select(a => a.Alert.Message))}");
        }
    }

    [Fact]
    public void Benjamini_Hochberg_rejects_the_step_up_set()
    {
        // m = 5, alpha = 0.05: thresholds 0.01, 0.02, 0.03, 0.04, 0.05; the largest k with p(k) <= k alpha / m is 4 (0.04 <= 0.04).
        var rejected = DriftStatistics.BenjaminiHochberg([0.04, 0.001, 0.2, 0.025, 0.03], 0.05);
        Assert.Equal([true, true, false, true, true], rejected);
    }

    [Fact]
    public void The_anomalous_share_p_value_carries_the_baselines_uncertainty()
    {
        // P(X >= 1) for Binomial(10, 0.1) = 1 - 0.9^10.
        Assert.Equal(1 - Math.Pow(0.9, 10), DriftStatistics.BinomialUpperTail(1, 10, 0.1), 9);
        Assert.Equal(1, DriftStatistics.AnomalousShareP(0, 10, 10, 1000));
        // With a very large reference the beta-binomial tends to the binomial.
        Assert.Equal(DriftStatistics.BinomialUpperTail(5, 200, 0.01), DriftStatistics.AnomalousShareP(5, 200, 100_000, 10_000_000), 3);
        // A small reference widens the tail: the same window is less surprising.
        Assert.True(DriftStatistics.AnomalousShareP(5, 200, 10, 1000) > DriftStatistics.BinomialUpperTail(5, 200, 0.01));
    }

    [Fact]
    public void The_KS_p_value_matches_the_Kolmogorov_distribution()
    {
        // Q_KS(1.36) is about 0.05: the textbook 5% critical value.
        var n = 1_000_000;
        Assert.InRange(DriftStatistics.KsPValue(1.36 / Math.Sqrt(n / 2.0), n, n), 0.045, 0.055);
        Assert.Equal(1, DriftStatistics.KsPValue(0, 100, 100));
    }

    [Fact]
    public void PSI_is_zero_for_the_baseline_shares_and_grows_with_a_shift()
    {
        double[] shares = [0.25, 0.25, 0.25, 0.25];
        Assert.Equal(0, DriftStatistics.Psi(shares, [25, 25, 25, 25]), 9);
        Assert.True(DriftStatistics.Psi(shares, [5, 15, 30, 50]) > 0.2);
    }

    [Fact]
    public void Describes_length_and_repetition_in_words()
    {
        Assert.Equal("outputs got 3x longer", DriftWords.Describe("logLength", 6, 6 + Math.Log(3)));
        Assert.Equal("repetition (seq-rep-4) rose from 2% to 31%", DriftWords.Describe("seqRep4", 0.02, 0.31));
    }
}
