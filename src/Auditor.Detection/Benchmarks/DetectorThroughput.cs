using System.Diagnostics;
using Auditor.Contracts;
using Auditor.Detection.Features;
using Auditor.Detection.Length;
using Auditor.Detection.Rules;

namespace Auditor.Detection.Benchmarks;

/// <summary>
/// Throughput of one stage on one thread: samples and megabytes (UTF-8) of output text per second of wall time and,
/// when a thread CPU clock is given, per second of the thread's CPU time (what one core does when the machine is shared);
/// and bytes allocated per sample.
/// </summary>
public sealed record ThroughputResult(
    string Stage, int Samples, double Seconds, double SamplesPerSecond, double MegabytesPerSecond, double AllocatedBytesPerSample,
    double? CpuSamplesPerSecond = null, double? CpuMegabytesPerSecond = null);

/// <summary>
/// Measures feature extraction and each detector on the calling thread (one core) over a set of samples, repeated
/// until each stage has run for at least <c>minSeconds</c>. For the statistically careful numbers use bench/Auditor.Benchmarks.
/// </summary>
public static class DetectorThroughput
{
    /// <param name="samples">The outputs to run over (one pass = all of them).</param>
    /// <param name="rules">The configuration (template tokens, regex rules, thresholds).</param>
    /// <param name="minSeconds">Minimum measured time per stage, after a warm-up of half that.</param>
    /// <param name="threadCpuTime">Reads the calling thread's CPU time (the host supplies it: this project does no I/O).</param>
    public static IReadOnlyList<ThroughputResult> Measure(IReadOnlyList<OutputSample> samples, RuleSet rules, double minSeconds = 1.0, Func<TimeSpan>? threadCpuTime = null)
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
            // Settings resolved before the clock starts, as the registry resolves them once per stream: the stage is the
            // detector's own cost (resolving them per sample built a set per call and cost more than most detectors).
            var settings = contexts.Select(c => rules.For(detector, c.Model, c.Route)).ToArray();
            results.Add(Run(detector.Name, () =>
            {
                for (var i = 0; i < contexts.Length; i++)
                    detector.Evaluate(contexts[i], settings[i]);
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
            // Warm up until tiered compilation has settled (JIT, dynamic PGO, scratch buffers).
            var warm = Stopwatch.StartNew();
            do
            {
                pass();
            }
            while (warm.Elapsed.TotalSeconds < minSeconds / 2);
            var passes = 0;
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var cpuBefore = threadCpuTime?.Invoke();
            var watch = Stopwatch.StartNew();
            do
            {
                pass();
                passes++;
            }
            while (watch.Elapsed.TotalSeconds < minSeconds);
            watch.Stop();
            var cpuSeconds = threadCpuTime is null ? (double?)null : (threadCpuTime() - cpuBefore!.Value).TotalSeconds;
            var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            var n = passes * samples.Count;
            var seconds = watch.Elapsed.TotalSeconds;
            return new ThroughputResult(stage, n, seconds, n / seconds, passes * bytes / 1e6 / seconds, (double)allocated / n,
                cpuSeconds > 0 ? n / cpuSeconds : null, cpuSeconds > 0 ? passes * bytes / 1e6 / cpuSeconds : null);
        }
    }
}
