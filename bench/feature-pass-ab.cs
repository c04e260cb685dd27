// The feature pass of two builds side by side (issue #14 item 6): loads each build's Auditor.Detection.dll into its own
// AssemblyLoadContext, so both meet the same machine load, and alternates whole passes of FeatureExtractor.Extract over
// a corpus on one thread, timed by the thread's CPU clock; prints the median and best MB (UTF-8 of the outputs) per
// CPU-second of each. With --dump DIR it writes every output's OutputFeatures record (all fields, doubles round-trip)
// per build to DIR/features-0.txt, features-1.txt ...: equal files mean equal features.
// Run: dotnet run bench/feature-pass-ab.cs -- CORPUS SECONDS BUILD_DIR [BUILD_DIR ...] [--dump DIR]
//   e.g. dotnet run bench/feature-pass-ab.cs -- ../shared/corpus/dev.jsonl 20 /tmp/base-out src/Auditor.Detection/bin/Release/net10.0
#:project ../src/Auditor.Contracts
#:property Configuration=Release
#:property PublishAot=false
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Text.Json;
using Auditor.Contracts;

var dumpAt = Array.IndexOf(args, "--dump");
var dump = dumpAt >= 0 ? args[dumpAt + 1] : null;
var positional = dumpAt >= 0 ? args[..dumpAt] : args;
var samples = File.ReadLines(positional[0]).Select(l => JsonDocument.Parse(l).RootElement)
    .Select(e => new OutputSample { Output = e.TryGetProperty("output", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() : null }).ToList();
var bytes = samples.Sum(s => (long)System.Text.Encoding.UTF8.GetByteCount(s.Output ?? ""));
var dirs = positional[2..];
var extract = dirs.Select(d =>
{
    var assembly = new AssemblyLoadContext(d).LoadFromAssemblyPath(Path.GetFullPath(Path.Combine(d, "Auditor.Detection.dll")));
    return assembly.GetType("Auditor.Detection.Features.FeatureExtractor")!.GetMethod("Extract", [typeof(OutputSample)])!
        .CreateDelegate<Func<OutputSample, object>>();
}).ToArray();
if (dump is not null)
{
    Directory.CreateDirectory(dump);
    for (var k = 0; k < dirs.Length; k++)
        File.WriteAllLines(Path.Combine(dump, $"features-{k}.txt"), samples.Select(s => extract[k](s).ToString()!));
    return;
}
var times = dirs.Select(_ => new List<double>()).ToArray();
var end = DateTime.UtcNow.AddSeconds(double.Parse(positional[1]));
// Three rounds of warm-up (tiered compilation), then rounds until the time is up.
for (var round = 0; DateTime.UtcNow < end || round < 6; round++)
{
    for (var k = 0; k < extract.Length; k++)
    {
        var t0 = ThreadCpuSeconds();
        foreach (var s in samples)
            extract[k](s);
        if (round >= 3)
            times[k].Add(ThreadCpuSeconds() - t0);
    }
}
for (var k = 0; k < dirs.Length; k++)
{
    var t = times[k].Order().ToArray();
    Console.WriteLine($"{dirs[k],-48} median {bytes / t[t.Length / 2] / 1e6,6:0.0} best {bytes / t[0] / 1e6,6:0.0} MB/cpu-s, median {t[t.Length / 2] * 1e9 / bytes:0.00} ns/byte ({t.Length} passes)");
}

static double ThreadCpuSeconds()
{
    clock_gettime(3, out var ts); // CLOCK_THREAD_CPUTIME_ID (Linux)
    return ts.Seconds + ts.Nanoseconds * 1e-9;
}

[DllImport("libc")]
static extern int clock_gettime(int clock, out Timespec ts);

struct Timespec
{
    public long Seconds, Nanoseconds;
}
