using System.Diagnostics;
using Auditor.Contracts;
using Auditor.Detection.Features;
using Auditor.Detection.Length;
using Auditor.Detection.Rules;

namespace Auditor.Detection.Benchmarks;

/// <summary>Throughput of one stage on one thread: samples and megabytes (UTF-8) of output text per second, and bytes allocated per sample.</summary>
public sealed record ThroughputResult(string Stage, int Samples, double Seconds, double SamplesPerSecond, double MegabytesPerSecond, double AllocatedBytesPerSample);

/// <summary>
/// Measures feature extraction and each detector on the calling thread (one core) over a set of samples, repeated
/// until each stage has run for at least <c>minSeconds</c>. For the statistically careful numbers use bench/Auditor.Benchmarks.
/// </summary>
public static class DetectorThroughput
{
    public static IReadOnlyList<ThroughputResult> Measure(IReadOnlyList<OutputSample> samples, RuleSet rules, double minSeconds = 1.0)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(rules);
        var bytes = samples.Sum(s => (long)System.Text.Encoding.UTF8.GetByteCount(s.Output ?? ""));
        var baselines = LengthBaselineTable.Build(samples.Select(s => (s.Model ?? "", s.Route ?? "", (s.Output ?? "").Length)));
        var features = samples.Select(s => FeatureExtractor.Extract(s, rules.TemplateTokens)).ToArray();
        var contexts = samples.Select((s, i) => new DetectionContext(s, features[i]) { Baselines = baselines, Rules = rules }).ToArray();
        var results = new List<ThroughputResult>
        {
            Run("features", () => { foreach (var s in samples) FeatureExtractor.Extract(s, rules.TemplateTokens); }),
        };
        foreach (var detector in DetectorRegistry.All())
        {
            results.Add(Run(detector.Name, () =>
            {
                foreach (var c in contexts)
                    detector.Evaluate(c, rules.For(detector, c.Model, c.Route));
            }));
        }
        var cheap = DetectorRegistry.All().Where(d => d is not RegexRulesDetector).ToArray();
        var cheapRegistry = new DetectorRegistry(cheap, (IRuleSetSource)rules, baselines);
        results.Add(Run("features + cheap detectors", () => { foreach (var s in samples) cheapRegistry.Inspect(s); }));
        var fullRegistry = DetectorRegistry.FromRules(rules, baselines);
        results.Add(Run("features + all detectors", () => { foreach (var s in samples) fullRegistry.Inspect(s); }));
        return results;

        ThroughputResult Run(string stage, Action pass)
        {
            pass(); // warm up (JIT, scratch buffers)
            var passes = 0;
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            do
            {
                pass();
                passes++;
            }
            while (watch.Elapsed.TotalSeconds < minSeconds);
            watch.Stop();
            var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            var n = passes * samples.Count;
            var seconds = watch.Elapsed.TotalSeconds;
            return new ThroughputResult(stage, n, seconds, n / seconds, passes * bytes / 1e6 / seconds, (double)allocated / n);
        }
    }
}
