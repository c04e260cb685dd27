using System.Globalization;
using Auditor.Detection.Features;

namespace Auditor.Detection.Drift;

/// <summary>The configured level of the window tests.</summary>
public sealed record WindowDriftOptions
{
    /// <summary>False discovery rate across every stream, window and feature tested in one run (Benjamini-Hochberg).</summary>
    public double Alpha { get; init; } = 0.001;

    /// <summary>Windows with fewer samples are not tested.</summary>
    public int MinSamples { get; init; } = 100;

    /// <summary>A feature counts as moved only with at least this PSI (0.2 is the usual "significant shift").</summary>
    public double MinPsi { get; init; } = 0.2;

    /// <summary>The anomalous share, and an indicator's share, count only at this many times their baseline expectation.</summary>
    public double MinShareRatio { get; init; } = 2;

    /// <summary>
    /// An indicator's baseline share is taken as at least this for its effect size, so a rule that (almost) never held in
    /// the baseline needs at least <see cref="MinShareRatio"/> times this share of the window: a handful of blank outputs
    /// in a large window is not an alert.
    /// </summary>
    public double MinIndicatorShare { get; init; } = 0.0025;

    /// <summary>Features named in an alert.</summary>
    public int TopFeatures { get; init; } = 3;
}

/// <summary>One stream's window to test, with the model whose baseline it is tested against.</summary>
public sealed record DriftWindow(DriftModel Model, string Kind, DateTimeOffset Start, DateTimeOffset End, DriftWindowCounts Counts);

/// <summary>
/// Tests windows against their baselines: the share of anomalous samples and the share of each indicator rule's outputs
/// (beta-binomial, one-sided, against the baseline's Jeffreys posterior) and, per feature, a binned KS test with PSI as
/// effect size. All p-values of one run go through one Benjamini-Hochberg procedure, so the level holds across streams,
/// rules and features; a discovery also needs a minimum effect to become an alert.
/// </summary>
public static class WindowDriftEvaluator
{
    private enum Test { AnomalousShare, Indicator, Feature }

    public static IReadOnlyList<DriftAlert> Evaluate(IReadOnlyList<DriftWindow> windows, WindowDriftOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(windows);
        options ??= new WindowDriftOptions();
        var tested = windows.Where(w => w.Counts.Samples >= options.MinSamples).ToList();
        var names = OutputFeatures.VectorNames;
        var pValues = new List<double>();
        // Index: the feature (Test.Feature) or the indicator in DriftIndicators.All (Test.Indicator).
        var tests = new List<(int Window, Test Kind, int Index, double Effect)>();
        for (var w = 0; w < tested.Count; w++)
        {
            var (model, counts) = (tested[w].Model, tested[w].Counts);
            var share = counts.Anomalous / (double)counts.Samples;
            pValues.Add(DriftStatistics.AnomalousShareP(counts.Anomalous, counts.Samples,
                (int)Math.Round(model.ExpectedAnomalousShare * model.ReferenceSamples), model.ReferenceSamples));
            tests.Add((w, Test.AnomalousShare, -1, share / Math.Max(model.ExpectedAnomalousShare, 1e-6)));
            foreach (var (i, baselineCount) in IndicatorBaselines(model, counts))
            {
                // The same test as the anomalous share: the baseline count is a finite sample, so its rate is uncertain too.
                pValues.Add(DriftStatistics.AnomalousShareP(counts.IndicatorCounts![i], counts.Samples, baselineCount, model.Indicators!.Samples));
                tests.Add((w, Test.Indicator, i, IndicatorShare(counts, i) / Math.Max(baselineCount / (double)model.Indicators.Samples, options.MinIndicatorShare)));
            }
            for (var f = 0; f < model.Dimension; f++)
            {
                var d = DriftStatistics.BinnedKs(model.BinShares[f], counts.BinCounts[f]);
                pValues.Add(DriftStatistics.KsPValue(d, counts.Samples, model.ReferenceSamples));
                tests.Add((w, Test.Feature, f, DriftStatistics.Psi(model.BinShares[f], counts.BinCounts[f])));
            }
        }
        var discovered = DriftStatistics.BenjaminiHochberg(pValues, options.Alpha);

        var alerts = new List<DriftAlert>();
        foreach (var group in Enumerable.Range(0, tests.Count).Where(i => discovered[i]).GroupBy(i => tests[i].Window))
        {
            var window = tested[group.Key];
            var (model, counts) = (window.Model, window.Counts);
            var shareTest = group.Where(i => tests[i].Kind == Test.AnomalousShare && tests[i].Effect >= options.MinShareRatio).ToList();
            var indicatorTests = group.Where(i => tests[i].Kind == Test.Indicator && tests[i].Effect >= options.MinShareRatio)
                .OrderBy(i => pValues[i]).ToList();
            var moved = group.Where(i => tests[i].Kind == Test.Feature && tests[i].Effect >= options.MinPsi)
                .OrderByDescending(i => tests[i].Effect).ToList();
            if (shareTest.Count == 0 && indicatorTests.Count == 0 && moved.Count == 0)
                continue;
            // The features named are those that moved most in this window, discovered or not; when no feature has
            // moved on the whole window yet (a share alert usually comes first), what the anomalous samples have in
            // common, so the reviewer still has a lead.
            var features = tests.Select((t, i) => (t, i)).Where(x => x.t.Window == group.Key && x.t.Kind == Test.Feature && pValues[x.i] < 0.01)
                .OrderBy(x => pValues[x.i]).ThenByDescending(x => x.t.Effect).Select(x => x.i);
            var shifts = moved.Concat(features).Distinct().Take(options.TopFeatures).Select(i =>
            {
                var f = tests[i].Index;
                var mean = counts.Sums[f] / counts.Samples;
                return new DriftFeatureShift(names[f], tests[i].Effect, DriftStatistics.BinnedKs(model.BinShares[f], counts.BinCounts[f]), pValues[i],
                    model.FeatureMeans[f], mean, DriftWords.Describe(names[f], model.FeatureMeans[f], mean));
            }).ToList();
            if (shifts.Count == 0 && counts.Anomalous > 0)
                shifts = AmongAnomalous(model, counts, options.TopFeatures);
            var indicators = indicatorTests.Select(i =>
            {
                var indicator = DriftIndicators.All[tests[i].Index];
                var baseline = model.Indicators!.CountOf(indicator)!.Value / (double)model.Indicators.Samples;
                return new DriftIndicatorShift(indicator.Name, baseline, IndicatorShare(counts, tests[i].Index), pValues[i], tests[i].Effect,
                    string.Create(CultureInfo.InvariantCulture, $"{indicator.Words} rose from {Percent(baseline)} to {Percent(IndicatorShare(counts, tests[i].Index))}"));
            }).ToList();
            var share = counts.Anomalous / (double)counts.Samples;
            // The lead: the PCA outlier share (the model's own statistic) first, then the indicator rule most surely
            // risen, then the feature that moved most.
            var (lead, statistic) = shareTest.Count > 0 ? (shareTest[0], "anomalous-share")
                : indicatorTests.Count > 0 ? (indicatorTests[0], DriftIndicators.All[tests[indicatorTests[0]].Index].Name + "-share")
                : (moved[0], "ks");
            alerts.Add(new DriftAlert(model.Model, model.Route, window.Kind, window.Start, window.End, counts.Samples, statistic, pValues[lead], tests[lead].Effect,
                share, model.ExpectedAnomalousShare, model.Version, shifts, Message(window, share, pValues[lead], indicators, shifts, shareTest.Count > 0))
            {
                Indicators = indicators,
            });
        }
        return alerts;
    }

    /// <summary>The indicators this window can be tested on: the model counted them in its baseline and every row of the window counted them.</summary>
    private static IEnumerable<(int Index, int BaselineCount)> IndicatorBaselines(DriftModel model, DriftWindowCounts counts)
    {
        if (model.Indicators is not { Samples: > 0 } baseline || counts.IndicatorCounts is not { } windowCounts || windowCounts.Length != DriftIndicators.All.Count)
            yield break;
        for (var i = 0; i < DriftIndicators.All.Count; i++)
        {
            if (baseline.CountOf(DriftIndicators.All[i]) is { } k)
                yield return (i, k);
        }
    }

    private static double IndicatorShare(DriftWindowCounts counts, int indicator) => counts.IndicatorCounts![indicator] / (double)counts.Samples;

    private static string Percent(double share) => (share * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static List<DriftFeatureShift> AmongAnomalous(DriftModel model, DriftWindowCounts counts, int top)
    {
        var names = OutputFeatures.VectorNames;
        return Enumerable.Range(0, model.Dimension)
            .Select(f => (f, mean: counts.AnomalousSums[f] / counts.Anomalous))
            .OrderByDescending(x => Math.Abs(x.mean - model.FeatureMeans[x.f]) / model.Scale[x.f])
            .Take(top)
            .Select(x => new DriftFeatureShift(names[x.f], DriftStatistics.Psi(model.BinShares[x.f], counts.BinCounts[x.f]),
                DriftStatistics.BinnedKs(model.BinShares[x.f], counts.BinCounts[x.f]), null, model.FeatureMeans[x.f], x.mean,
                "in the anomalous outputs, " + DriftWords.Describe(names[x.f], model.FeatureMeans[x.f], x.mean), AmongAnomalous: true))
            .ToList();
    }

    private static string Message(DriftWindow window, double share, double p, IReadOnlyList<DriftIndicatorShift> indicators, IReadOnlyList<DriftFeatureShift> shifts,
        bool shareAlert)
    {
        var c = CultureInfo.InvariantCulture;
        var head = string.Create(c, $"{window.Model.Model} / {window.Model.Route}, {window.Kind} window from {window.Start:yyyy-MM-dd HH:mm}Z ({window.Counts.Samples} samples): ");
        var parts = new List<string>();
        if (shareAlert)
            parts.Add(string.Create(c, $"{share:P1} of outputs anomalous against {window.Model.ExpectedAnomalousShare:P1} expected (p = {p:0.##E+0})"));
        parts.AddRange(indicators.Select(i => string.Create(c, $"{i.Words} (p = {i.PValue:0.##E+0})")));
        parts.AddRange(shifts.Select(s => s.AmongAnomalous ? s.Words : string.Create(c, $"{s.Words} (PSI {s.Psi:0.00}, KS p = {s.PValue:0.##E+0})")));
        if (parts.Count == 0)
            parts.Add("distribution moved");
        return head + string.Join("; ", parts) + ".";
    }
}
