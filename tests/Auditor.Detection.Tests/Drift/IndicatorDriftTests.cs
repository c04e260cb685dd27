using System.Text;
using Auditor.Contracts;
using Auditor.Detection.Degeneration;
using Auditor.Detection.Drift;
using Auditor.Detection.Features;

namespace Auditor.Detection.Tests.Drift;

public sealed class IndicatorDriftTests
{
    [Fact]
    public void The_looping_rule_is_the_degeneration_detectors_verdict_at_its_default_threshold()
    {
        var streams = new DriftStreams(30);
        var detector = new DegenerationDetector();
        var outputs = streams.Stream(300, s => s.Normal()).Concat(streams.Stream(300, s => s.Looping())).ToList();
        foreach (var f in outputs)
        {
            var sample = new OutputSample { SampleId = "1", Model = "m", Route = "r", Output = "x" };
            var flagged = detector.Evaluate(new DetectionContext(sample, f), new DetectorSettings(true, detector.DefaultThreshold)).Flagged;
            Assert.Equal(flagged, (DriftIndicators.Of(f) & (1 << DriftIndicators.Looping.Bit)) != 0);
        }
        Assert.Contains(outputs, f => (DriftIndicators.Of(f) & (1 << DriftIndicators.Looping.Bit)) != 0);
        Assert.Equal(1 << DriftIndicators.Blank.Bit, DriftIndicators.Of(new OutputFeatures { CharLength = 3, NonWhitespaceChars = 0 }));
    }

    [Fact]
    public void A_rise_in_looping_outputs_raises_an_alert_naming_repetition()
    {
        // The baseline has 1% looping outputs; the window 5%, while the PCA's outlier share stays at its expectation:
        // the indicator test alone raises the alert, in the rule's words.
        var model = TrainWithLooping(31, 0.01);
        var baselineShare = model.Indicators!.CountOf(DriftIndicators.Looping)!.Value / (double)model.Indicators.Samples;
        Assert.InRange(baselineShare, 0.005, 0.015);
        var counts = Counts(model, samples: 1000, anomalous: 5, looping: 50, blank: 0);

        var alert = Assert.Single(WindowDriftEvaluator.Evaluate([new DriftWindow(model, "recent", DriftStreams.Start, DriftStreams.Start.AddMinutes(20), counts)]));

        Assert.Equal("looping-share", alert.Statistic);
        var rise = Assert.Single(alert.Indicators);
        Assert.Equal("looping", rise.Indicator);
        Assert.Equal(0.05, rise.WindowShare, 9);
        Assert.Equal(alert.PValue, rise.PValue);
        Assert.True(alert.Effect >= 2);
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"looping or repetitive outputs rose from {baselineShare * 100:0.0}% to 5.0% (p = "), alert.Message);
    }

    [Fact]
    public void An_injected_looping_onset_is_alerted_and_the_alert_names_the_rule()
    {
        var model = TrainWithLooping(32, 0.01);
        var streams = new DriftStreams(33);
        var random = new Random(33);
        var traffic = streams.Stream(2500, s => random.NextDouble() < 0.01 ? s.Looping() : s.Normal())
            .Concat(streams.Stream(3000, s => random.NextDouble() < 0.08 ? s.Looping() : s.Normal()));

        var alerts = DriftReplay.Run(model, traffic, DriftStreams.Start, DriftStreams.Interval, evaluateEvery: 50);

        Assert.NotEmpty(alerts);
        Assert.True(alerts[0].AfterSample > 2500, alerts[0].Alert.Message);
        Assert.Contains(alerts, a => a.Alert.Indicators.Any(i => i.Indicator == "looping") && a.Alert.Message.Contains("looping or repetitive outputs rose from", StringComparison.Ordinal));
    }

    [Fact]
    public void Stationary_streams_with_some_looping_outputs_raise_no_alert_across_seeds()
    {
        // 1% looping and 0.1% blank outputs in the baseline and in the traffic: the rules' shares vary from window to
        // window, and the baseline's count is itself a sample; neither may raise an alert.
        for (var seed = 0; seed < 4; seed++)
        {
            var streams = new DriftStreams(300 + seed);
            var random = new Random(300 + seed);
            OutputFeatures Next(DriftStreams s)
            {
                var u = random.NextDouble();
                return u < 0.01 ? s.Looping() : u < 0.011 ? Blank() : s.Normal();
            }
            var model = DriftModelTrainer.Train("m", "r", streams.Stream(4000, Next).ToList(), new DriftTrainingOptions { Seed = seed });
            var alerts = DriftReplay.Run(model, streams.Stream(50_000, Next), DriftStreams.Start, DriftStreams.Interval, evaluateEvery: 50);
            Assert.True(alerts.Count == 0, $"seed {seed}: {string.Join(" | ", alerts.Select(a => a.Alert.Message))}");
        }
    }

    [Fact]
    public void A_rate_known_from_the_streams_judged_traffic_alerts_on_a_window_that_a_thousand_uniform_rows_cannot_judge()
    {
        // The same 1% looping rate, once from 1,000 uniform rows and once from 20,000 judged samples (what training takes
        // from indicator_hour_counters), and a window of 400 outputs of which 16 loop (4%): the small baseline's rate is
        // too uncertain to call that a rise; the large one's is not.
        var model = TrainWithLooping(35, 0.01);
        var names = DriftIndicators.All.Select(i => i.Name).ToArray();
        var fromRows = model.WithIndicators(new DriftIndicatorBaseline(1000, names, [10, 0]));
        var fromTraffic = model.WithIndicators(new DriftIndicatorBaseline(20_000, names, [200, 0]));
        DriftWindow Window(DriftModel m) => new(m, "recent", DriftStreams.Start, DriftStreams.Start.AddMinutes(20), Counts(m, samples: 400, anomalous: 2, looping: 16, blank: 0));

        Assert.Empty(WindowDriftEvaluator.Evaluate([Window(fromRows)]));
        var alert = Assert.Single(WindowDriftEvaluator.Evaluate([Window(fromTraffic)]));
        Assert.Equal("looping-share", alert.Statistic);
        Assert.Contains("looping or repetitive outputs rose from 1.0% to 4.0% (p = ", alert.Message);
    }

    [Fact]
    public void Stationary_streams_tested_against_rates_from_their_judged_traffic_raise_no_alert_across_seeds()
    {
        // As above, but with the indicator baseline counted over 20,000 judged samples of the same traffic: a precise rate
        // makes the test sharper, and the stream's own window-to-window variation must still raise nothing.
        for (var seed = 0; seed < 4; seed++)
        {
            var streams = new DriftStreams(400 + seed);
            var random = new Random(400 + seed);
            OutputFeatures Next(DriftStreams s)
            {
                var u = random.NextDouble();
                return u < 0.01 ? s.Looping() : u < 0.011 ? Blank() : s.Normal();
            }
            var model = DriftModelTrainer.Train("m", "r", streams.Stream(4000, Next).ToList(), new DriftTrainingOptions { Seed = seed });
            var judged = streams.Stream(20_000, Next).ToList();
            model = model.WithIndicators(new DriftIndicatorBaseline(judged.Count, DriftIndicators.All.Select(i => i.Name).ToArray(), DriftIndicators.Count(judged)));
            var alerts = DriftReplay.Run(model, streams.Stream(50_000, Next), DriftStreams.Start, DriftStreams.Interval, evaluateEvery: 50);
            Assert.True(alerts.Count == 0, $"seed {seed}: {string.Join(" | ", alerts.Select(a => a.Alert.Message))}");
        }
    }

    [Fact]
    public void A_rule_that_never_held_in_the_baseline_needs_its_absolute_floor_to_alert()
    {
        var model = TrainWithLooping(34, 0);
        Assert.Equal(0, model.Indicators!.CountOf(DriftIndicators.Blank));
        var window = (int blank) => new DriftWindow(model, "daily", DriftStreams.Start, DriftStreams.Start.AddDays(1), Counts(model, samples: 20_000, anomalous: 100, looping: 0, blank: blank));

        // 0.3% blank: far beyond a baseline of none in 4,000, but under twice the 0.25% floor.
        Assert.Empty(WindowDriftEvaluator.Evaluate([window(60)]));
        var alert = Assert.Single(WindowDriftEvaluator.Evaluate([window(200)]));
        Assert.Equal("blank-share", alert.Statistic);
        Assert.Contains("blank outputs rose from 0.0% to 1.0% (p = ", alert.Message);
    }

    [Fact]
    public void A_model_without_an_indicator_baseline_skips_the_indicator_tests()
    {
        // Trained from bare vectors, like a model stored in format 1: no baseline counts, so no indicator test.
        var streams = new DriftStreams(35);
        var model = DriftModelTrainer.Train("m", "r", streams.Vectors(2000, s => s.Normal()).ToList());
        Assert.Null(model.Indicators);
        var counts = Counts(model, samples: 1000, anomalous: 5, looping: 300, blank: 300);
        Assert.Empty(WindowDriftEvaluator.Evaluate([new DriftWindow(model, "recent", DriftStreams.Start, DriftStreams.Start.AddMinutes(20), counts)]));
    }

    [Fact]
    public void Window_counts_from_before_the_rules_add_up_to_none()
    {
        var model = TrainWithLooping(36, 0.01);
        var current = Counts(model, samples: 200, anomalous: 1, looping: 3, blank: 0);
        var old = current with { IndicatorCounts = null };
        Assert.Equal([6, 0], current.Plus(current).IndicatorCounts!);
        Assert.Null(current.Plus(old).IndicatorCounts);
        Assert.Null(old.Plus(current).IndicatorCounts);
        Assert.Null(current.Plus(current with { IndicatorCounts = [1, 2, 3] }).IndicatorCounts);
        // A window without them is still tested on everything else.
        Assert.Empty(WindowDriftEvaluator.Evaluate([new DriftWindow(model, "recent", DriftStreams.Start, DriftStreams.Start.AddMinutes(20), current.Plus(old))]));
    }

    [Fact]
    public void The_indicator_baseline_survives_a_round_trip_through_bytes()
    {
        var model = TrainWithLooping(37, 0.02);
        var loaded = DriftModelSerializer.FromBytes(DriftModelSerializer.ToBytes(model), version: 3);
        Assert.Equal(model.Indicators!.Samples, loaded.Indicators!.Samples);
        Assert.Equal(model.Indicators.Names, loaded.Indicators.Names);
        Assert.Equal(model.Indicators.Counts, loaded.Indicators.Counts);
        Assert.True(loaded.Indicators.CountOf(DriftIndicators.Looping) > 0);
    }

    [Fact]
    public void A_format_1_model_still_loads_and_scores_without_an_indicator_baseline()
    {
        var model = DriftModelSerializer.FromBytes(Format1Model(), version: 9);

        Assert.Equal(9, model.Version);
        Assert.Null(model.Indicators);
        Assert.Equal(2.0, model.Threshold);
        // z = (0, 3); the one component is (1, 0), so the residual is (0, 3).
        Assert.Equal(3.0, model.Score([0f, 3f]), 6);
        // Saved again, it is written in the current format and still has no indicator baseline.
        Assert.Null(DriftModelSerializer.FromBytes(DriftModelSerializer.ToBytes(model)).Indicators);
    }

    [Fact]
    public void A_model_of_an_unknown_format_is_refused_in_words()
    {
        var bytes = Format1Model();
        BitConverter.GetBytes(DriftModelSerializer.FormatVersion + 1).CopyTo(bytes, 4);
        Assert.Contains("not supported", Assert.Throws<InvalidDataException>(() => DriftModelSerializer.FromBytes(bytes)).Message);
    }

    /// <summary>
    /// A model in format 1, written field by field from the layout (not by the serializer): magic, format, model, route,
    /// dimension, rank, centre, scale, components, threshold, quantile, expected share, samples, reference samples, seed,
    /// per feature bin edges and shares, feature means.
    /// </summary>
    private static byte[] Format1Model()
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8))
        {
            w.Write("ADRM"u8.ToArray());
            w.Write(1);
            w.Write("old-model");
            w.Write("route");
            w.Write(2);
            w.Write(1);
            foreach (var floats in new[] { new[] { 0f, 0f }, [1f, 1f], [1f, 0f] })
            {
                w.Write(floats.Length);
                foreach (var v in floats)
                    w.Write(v);
            }
            w.Write(2.0);
            w.Write(0.995);
            w.Write(0.005);
            w.Write(1000);
            w.Write(1000);
            w.Write(1);
            for (var f = 0; f < 2; f++)
            {
                WriteDoubles(w, [0.0]);
                WriteDoubles(w, [0.5, 0.5]);
            }
            WriteDoubles(w, [0.0, 0.0]);
        }
        return stream.ToArray();
    }

    private static void WriteDoubles(BinaryWriter w, double[] values)
    {
        w.Write(values.Length);
        foreach (var v in values)
            w.Write(v);
    }

    private static DriftModel TrainWithLooping(int seed, double loopingShare)
    {
        var streams = new DriftStreams(seed);
        var random = new Random(seed);
        return DriftModelTrainer.Train("m", "r", streams.Stream(4000, s => random.NextDouble() < loopingShare ? s.Looping() : s.Normal()).ToList());
    }

    private static OutputFeatures Blank() => new() { CharLength = 2, Utf8Bytes = 2, NonWhitespaceChars = 0, LineCount = 1 };

    /// <summary>Window counts in the baseline's proportions per feature, with the given anomalous and indicator counts.</summary>
    private static DriftWindowCounts Counts(DriftModel model, int samples, int anomalous, int looping, int blank)
    {
        var empty = DriftWindowCounts.Empty(model);
        var bins = model.BinShares.Select(shares =>
        {
            var counts = shares.Select(s => (int)Math.Round(s * samples)).ToArray();
            counts[^1] += samples - counts.Sum();
            return counts;
        }).ToArray();
        var sums = model.FeatureMeans.Select(m => m * samples).ToArray();
        return empty with
        {
            Samples = samples, Anomalous = anomalous, Sums = sums, AnomalousSums = model.FeatureMeans.Select(m => m * anomalous).ToArray(), BinCounts = bins,
            IndicatorCounts = [looping, blank],
        };
    }
}
