using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Auditor.Cli.Bench;
using Auditor.Cli.Eval;
using Auditor.Contracts;
using Auditor.Detection.Drift;
using Auditor.Detection.Evaluation;
using Auditor.Detection.Features;

namespace Auditor.Cli.Drift;

/// <summary>
/// <c>auditor drift simulate [--corpus FILE] [--seeds N] [--history N]</c>: streams built from real outputs of the corpus. Normal traffic
/// is GPT-2-large top-k and contrastive outputs; half of them train the model, traffic is drawn from the other half. At a
/// known sample the stream switches: a share of beam-search outputs, much shorter or much longer outputs. The indicator
/// rules' baseline rates come from the traffic judged before training (<c>--history</c>), as the server's training run takes them. Reports the
/// indicator rules' shares, the samples from onset to the first alert, alerts on a stationary stream, and the scoring
/// cost on one core.
/// </summary>
public static class DriftSimulateCommand
{
    private const int Onset = 2500;
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1) / 2000; // 2,000 samples an hour
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    public static Command Create()
    {
        var corpus = new Option<FileInfo>("--corpus") { Description = "The dev corpus (default: ../shared/corpus/dev.jsonl).", DefaultValueFactory = _ => new FileInfo("../shared/corpus/dev.jsonl") };
        var seeds = new Option<int>("--seeds") { Description = "Repetitions of each scenario.", DefaultValueFactory = _ => 5 };
        var stationary = new Option<int>("--stationary") { Description = "Samples in the stationary stream.", DefaultValueFactory = _ => 50_000 };
        var quantile = new Option<double>("--quantile") { Description = "Quantile of baseline scores for drift.anomaly.", DefaultValueFactory = _ => new DriftTrainingOptions().Quantile };
        var alpha = new Option<double>("--alpha") { Description = "False discovery rate of the window tests.", DefaultValueFactory = _ => new WindowDriftOptions().Alpha };
        var population = new Option<bool>("--population-traffic")
        {
            Description = "Draw normal traffic from all normal outputs (the population the training half was drawn from) instead of the held-out half; "
                + "half of it is then scored in-sample by the model.",
        };
        var history = new Option<int>("--history")
        {
            Description = "Samples of normal traffic judged before training, counted by the indicator rules (as indicator_hour_counters holds them); "
                + "the model's indicator baseline comes from them when they are more than its training rows. 0: the training rows only.",
            DefaultValueFactory = _ => 20_000,
        };
        var command = new Command("simulate", "Measure drift detection on simulated streams built from the corpus.") { corpus, seeds, stationary, quantile, alpha, population, history };
        command.SetAction((ParseResult pr, CancellationToken ct) =>
        {
            var inv = CultureInfo.InvariantCulture;
            // The corpus reader eval uses (each bad line said, exit 2); labels are not needed here, the sources are.
            var rows = EvalCommand.ReadCorpus(pr.GetValue(corpus)!, requireLabels: false);
            if (rows is null)
                return Task.FromResult(2);
            var normal = rows.Where(r => r.Source is "gpt2-large/topk" or "gpt2-large/contrastive").Select(Features).ToList();
            var beam = rows.Where(r => r.Source == "gpt2-large/beam").Select(Features).ToList();
            var looping = rows.Where(r => r.Source == "codellama-7b/greedy-repetition").Select(Features).ToList();
            if (normal.Count < 100 || beam.Count == 0 || looping.Count == 0)
            {
                Console.Error.WriteLine($"{pr.GetValue(corpus)!.FullName}: drift simulate builds its streams from the dev corpus's sources "
                    + $"(gpt2-large/topk and /contrastive: {normal.Count}, at least 100 needed; gpt2-large/beam: {beam.Count}; codellama-7b/greedy-repetition: {looping.Count})");
                return Task.FromResult(2);
            }
            var normalRows = rows.Where(r => r.Source is "gpt2-large/topk" or "gpt2-large/contrastive").ToList();
            Console.WriteLine(string.Format(inv, "{0} normal outputs (top-k, contrastive), {1} beam, {2} greedy-repetition; 2,000 samples/hour, onset at sample {3}",
                normal.Count, beam.Count, looping.Count, Onset));
            foreach (var indicator in DriftIndicators.All)
            {
                Console.WriteLine(string.Format(inv, "indicator {0} ({1}): normal {2:P1}, beam {3:P1}, greedy-repetition {4:P1}", indicator.Name, indicator.Words,
                    Share(normal, indicator), Share(beam, indicator), Share(looping, indicator)));
            }

            var n = pr.GetValue(seeds);
            var windowOptions = new WindowDriftOptions { Alpha = pr.GetValue(alpha) };
            Console.WriteLine(string.Format(inv, "quantile {0}, alpha {1}", pr.GetValue(quantile), windowOptions.Alpha));
            for (var seed = 0; seed < n; seed++)
            {
                var random = new Random(seed);
                var order = Enumerable.Range(0, normal.Count).OrderBy(_ => random.Next()).ToArray();
                var train = order.Take(normal.Count / 2).Select(i => normal[i]).ToList();
                var heldIdx = order.Skip(normal.Count / 2).ToArray();
                var held = heldIdx.Select(i => normal[i]).ToList();
                // Normal traffic: the held-out half (a fixed pool, so its chance difference from the training half lasts the
                // whole stream), or the whole population of normal outputs, as fresh production traffic would be.
                var pool = pr.GetValue(population) ? normal : held;
                var model = DriftModelTrainer.Train("gpt2-large", "open-ended", train, new DriftTrainingOptions { Seed = seed, Quantile = pr.GetValue(quantile) });
                // The stream's traffic before training, as the server counts it for every judged sample; the training run
                // takes the indicator rates from it when it holds more samples than the uniform rows (DriftTraining).
                var h = new Random(3000 + seed);
                var judged = Enumerable.Range(0, pr.GetValue(history)).Select(_ => pool[h.Next(pool.Count)]).ToList();
                var hours = judged.Chunk(2000).SelectMany((hour, i) => DriftIndicators.Count(hour)
                    .Select((met, r) => new IndicatorHour(DriftIndicators.All[r].Name, Start.AddHours(i - 24), hour.Length, met)));
                if (IndicatorHistory.Baseline(hours) is { } counted && counted.Samples > model.Indicators!.Samples)
                    model = model.WithIndicators(counted);
                var shorter = heldIdx.Select(i => Features(normalRows[i] with { Output = normalRows[i].Output[..(normalRows[i].Output.Length / 4)] })).ToList();
                var longer = heldIdx.Select(i => Features(normalRows[i] with { Output = normalRows[i].Output + normalRows[heldIdx[(i + 1) % heldIdx.Length]].Output + normalRows[heldIdx[(i + 7) % heldIdx.Length]].Output })).ToList();
                {
                    var inTraining = DriftIndicators.Count(train);
                    var fpr = held.Count(f => model.Score(f.ToVector()) >= model.Threshold) / (double)held.Count;
                    var beamRecall = beam.Count(f => model.Score(f.ToVector()) >= model.Threshold) / (double)beam.Count;
                    var loopRecall = looping.Count(f => model.Score(f.ToVector()) >= model.Threshold) / (double)looping.Count;
                    Console.WriteLine(string.Format(inv, "seed {4}: drift.anomaly at the {0:P1} quantile (expected share {5:P2}): flags {1:P1} of held-out normal outputs, {2:P1} of beam outputs, {3:P1} of greedy-repetition outputs",
                        model.Quantile, fpr, beamRecall, loopRecall, seed, model.ExpectedAnomalousShare));
                    Console.WriteLine(string.Format(inv, "seed {0}: indicators in the training half / the held-out half: {1}; the model's indicator baseline: {2} samples, {3}", seed,
                        string.Join(", ", DriftIndicators.All.Select(i => string.Format(inv, "{0} {1} / {2} of {3}", i.Name,
                            inTraining[i.Bit], held.Count(f => (DriftIndicators.Of(f) & (1 << i.Bit)) != 0), held.Count))),
                        model.Indicators!.Samples, string.Join(", ", DriftIndicators.All.Select(i => string.Format(inv, "{0} {1:P2}", i.Name, model.Indicators.CountOf(i) / (double)model.Indicators.Samples)))));
                    if (seed == 0)
                        Console.WriteLine(string.Format(inv, "{0,-34} {1,6} {2,18} {3}", "scenario", "seed", "samples to alert", "first alert"));
                }
                var scenarios = new (string Name, Func<Random, OutputFeatures> After)[]
                {
                    ("5% beam outputs", r => r.NextDouble() < 0.05 ? beam[r.Next(beam.Count)] : pool[r.Next(pool.Count)]),
                    ("5% greedy-repetition outputs", r => r.NextDouble() < 0.05 ? looping[r.Next(looping.Count)] : pool[r.Next(pool.Count)]),
                    ("all outputs 4x shorter", r => shorter[r.Next(shorter.Count)]),
                    ("all outputs 3x longer", r => longer[r.Next(longer.Count)]),
                };
                foreach (var (name, after) in scenarios)
                {
                    var r = new Random(1000 + seed);
                    var traffic = Enumerable.Range(0, Onset + 5000).Select(i => i < Onset ? pool[r.Next(pool.Count)] : after(r));
                    var first = DriftReplay.Run(model, traffic, Start, Interval, evaluateEvery: 50, windowOptions, stopAtFirst: true).FirstOrDefault();
                    Console.WriteLine(string.Format(inv, "{0,-34} {1,6} {2,18} {3}", name, seed,
                        first is null ? "none" : (first.AfterSample - Onset).ToString(inv), first?.Alert.Message ?? ""));
                }
                var s = new Random(2000 + seed);
                var stationaryAlerts = DriftReplay.Run(model, Enumerable.Range(0, pr.GetValue(stationary)).Select(_ => pool[s.Next(pool.Count)]), Start, Interval, evaluateEvery: 50, windowOptions);
                Console.WriteLine(string.Format(inv, "{0,-34} {1,6} {2,18} {3}", $"stationary, {pr.GetValue(stationary):N0} samples", seed, $"{stationaryAlerts.Count} alerts",
                    string.Join(" | ", stationaryAlerts.Select(a => a.Alert.Message))));
            }
            Console.WriteLine();
            MeasureScoring(normal.Concat(beam).Select(f => f.ToVector()).ToList(), DriftModelTrainer.Train("gpt2-large", "open-ended", normal));
            return Task.FromResult(0);
        });
        return command;
    }

    private static OutputFeatures Features(LabelledOutput row) => FeatureExtractor.Extract(new OutputSample
    {
        SampleId = "x", Model = "m", Route = "r", Output = row.Output, FinishReason = row.FinishReason, CompletionTokens = row.CompletionTokens,
    });

    private static double Share(List<OutputFeatures> outputs, DriftIndicator indicator) =>
        outputs.Count(f => (DriftIndicators.Of(f) & (1 << indicator.Bit)) != 0) / (double)outputs.Count;

    private static void MeasureScoring(List<float[]> vectors, DriftModel model)
    {
        Thread.CurrentThread.Priority = ThreadPriority.Highest;
        var sink = 0.0;
        for (var i = 0; i < 200_000; i++)
            sink += model.Score(vectors[i % vectors.Count]);
        const int Count = 2_000_000;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var cpu = ThreadCpuClock.Read();
        var wall = Stopwatch.StartNew();
        for (var i = 0; i < Count; i++)
            sink += model.Score(vectors[i % vectors.Count]);
        var cpuNs = (ThreadCpuClock.Read() - cpu).TotalNanoseconds / Count;
        var wallNs = wall.Elapsed.TotalNanoseconds / Count;
        var bytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)Count;
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
            "scoring (DriftModel.Score, {0} features, rank {1}), one thread: {2:0} ns/sample wall, {3:0} ns/sample CPU, {4:0.0} bytes/sample allocated (checksum {5:0})",
            model.Dimension, model.Rank, wallNs, cpuNs, bytes, sink));
    }
}
