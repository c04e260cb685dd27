using System.CommandLine;
using System.Globalization;
using Auditor.Cli.Eval;
using Auditor.Detection.Benchmarks;

namespace Auditor.Cli.Bench;

/// <summary><c>auditor bench detectors [--corpus FILE]</c>: samples/s, MB/s and allocations per sample on one core.</summary>
public static class BenchDetectorsCommand
{
    public static Command Create()
    {
        var corpus = new Option<FileInfo>("--corpus") { Description = "JSON Lines corpus of outputs (default: ../shared/corpus/dev.jsonl).", DefaultValueFactory = _ => new FileInfo("../shared/corpus/dev.jsonl") };
        var rules = new Option<DirectoryInfo>("--rules") { Description = "Rules directory (default: rules).", DefaultValueFactory = _ => new DirectoryInfo("rules") };
        var seconds = new Option<double>("--seconds") { Description = "Minimum time per stage.", DefaultValueFactory = _ => 2.0 };
        var detectors = new Command("detectors", "Throughput of feature extraction and each detector on one core.") { corpus, rules, seconds };
        detectors.SetAction((ParseResult pr, CancellationToken ct) =>
        {
            var ruleSet = EvalCommand.LoadRules(pr.GetValue(rules)!);
            if (ruleSet is null)
                return Task.FromResult(1);
            // Throughput needs outputs only: labels may be left out.
            var rows = EvalCommand.ReadCorpus(pr.GetValue(corpus)!, requireLabels: false);
            if (rows is null)
                return Task.FromResult(2);
            var samples = rows.Select((r, i) => r.ToSample(i)).ToList();
            Thread.CurrentThread.Priority = ThreadPriority.Highest;
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Format(inv, "{0} samples, one thread{1}", samples.Count, System.Diagnostics.Debugger.IsAttached ? " (debugger attached: figures are not representative)" : ""));
            Console.WriteLine(string.Format(inv, "{0,-28} {1,12} {2,10} {3,16} {4,14} {5,14}", "stage", "samples/s", "MB/s", "samples/cpu-s", "MB/cpu-s", "bytes/sample"));
            foreach (var r in DetectorThroughput.Measure(samples, ruleSet, pr.GetValue(seconds), ThreadCpuClock.Read))
            {
                Console.WriteLine(string.Format(inv, "{0,-28} {1,12:0} {2,10:0.0} {3,16:0} {4,14:0.0} {5,14:0}",
                    r.Stage, r.SamplesPerSecond, r.MegabytesPerSecond, r.CpuSamplesPerSecond, r.CpuMegabytesPerSecond, r.AllocatedBytesPerSample));
            }
            return Task.FromResult(0);
        });
        return detectors;
    }
}
