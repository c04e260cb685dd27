// The pipeline rows of `bench detectors` for two or more builds side by side (issue #14 item 6): loads each build's
// Auditor.Detection.dll (and what it references) into its own AssemblyLoadContext, so all meet the same machine load,
// and alternates whole passes over a corpus of FeatureExtractor.Extract ("features"), DetectorRegistry.Inspect of the
// registry without the regex rules ("+cheap") and of the full registry from rules/ ("+all"), timed by the thread's CPU
// clock; prints the median, quartiles and best MB (UTF-8 of the outputs) per CPU-second of each. With AB_EACH=1 it also
// times a registry of each detector alone (what one detector adds inside Inspect, against "features").
// Run from the repository root (rules/ is read from there):
//   dotnet run bench/inspect-ab.cs -- CORPUS SECONDS BUILD_DIR [BUILD_DIR ...]
//   e.g. dotnet run bench/inspect-ab.cs -- ../shared/corpus/dev.jsonl 60 /tmp/base-out src/Auditor.Cli/bin/Release/net10.0
#:project ../src/Auditor.Contracts
#:property Configuration=Release
#:property PublishAot=false
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using Auditor.Contracts;

var dirs = args[2..];
var stages = new List<(string Name, int Build, Action<OutputSample> Run)>();
List<OutputSample>? samples = null;
for (var k = 0; k < dirs.Length; k++)
{
    var alc = new DirContext(Path.GetFullPath(dirs[k]));
    var det = alc.LoadFromAssemblyPath(Path.Combine(Path.GetFullPath(dirs[k]), "Auditor.Detection.dll"));
    Type T(string n) => det.GetType(n, true)!;
    if (samples is null)
    {
        var rows = (System.Collections.IEnumerable)T("Auditor.Detection.Evaluation.LabelledOutput").GetMethod("ReadJsonLines", [typeof(string), typeof(bool)])!.Invoke(null, [args[0], false])!;
        samples = [];
        var i = 0;
        foreach (var r in rows)
            samples.Add((OutputSample)r.GetType().GetMethod("ToSample")!.Invoke(r, [i++])!);
    }
    var load = T("Auditor.Detection.Rules.RulesLoader").GetMethod("LoadDirectory")!.Invoke(null, ["rules", null])!;
    var rules = load.GetType().GetProperty("RuleSet")!.GetValue(load)!;
    var tuples = samples.Select(s => (s.Model ?? "", s.Route ?? "", (s.Output ?? "").Length)).ToList();
    var baselines = T("Auditor.Detection.Length.LengthBaselineTable").GetMethod("Build")!.Invoke(null, [tuples])!;
    var registryType = T("Auditor.Detection.DetectorRegistry");
    var all = (System.Collections.IEnumerable)registryType.GetMethod("All")!.Invoke(null, null)!;
    var idet = T("Auditor.Detection.IDetector");
    var cheapList = (System.Collections.IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(idet))!;
    foreach (var d in all)
        if (d.GetType().Name != "RegexRulesDetector")
            cheapList.Add(d);
    var ctor = registryType.GetConstructors().Single(c => c.GetParameters()[1].ParameterType.Name == "IRuleSetSource");
    var cheap = ctor.Invoke([cheapList, rules, baselines, null]);
    if (Environment.GetEnvironmentVariable("AB_EACH") == "1")
        foreach (var d in all)
        {
            var one = (System.Collections.IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(idet))!;
            one.Add(d);
            var reg = ctor.Invoke([one, rules, baselines, null]);
            var f = (Func<OutputSample, object>)Delegate.CreateDelegate(typeof(Func<OutputSample, object>), reg, registryType.GetMethod("Inspect")!);
            stages.Add(("+" + d.GetType().Name.Replace("Detector", ""), k, s => f(s)));
        }
    var full = registryType.GetMethod("FromRules")!.Invoke(null, [rules, baselines, null, null])!;
    var inspect = registryType.GetMethod("Inspect")!;
    var extract = T("Auditor.Detection.Features.FeatureExtractor").GetMethod("Extract", [typeof(OutputSample)])!.CreateDelegate<Func<OutputSample, object>>();
    var cheapInspect = (Func<OutputSample, object>)Delegate.CreateDelegate(typeof(Func<OutputSample, object>), cheap, inspect);
    var fullInspect = (Func<OutputSample, object>)Delegate.CreateDelegate(typeof(Func<OutputSample, object>), full, inspect);
    stages.Add(("features", k, s => extract(s)));
    stages.Add(("+cheap", k, s => cheapInspect(s)));
    stages.Add(("+all", k, s => fullInspect(s)));
}
var bytes = samples!.Sum(s => (long)System.Text.Encoding.UTF8.GetByteCount(s.Output ?? ""));
var order = stages.OrderBy(s => s.Name).ThenBy(s => s.Build).ToArray();
var times = order.Select(_ => new List<double>()).ToArray();
var end = DateTime.UtcNow.AddSeconds(double.Parse(args[1]));
for (var round = 0; DateTime.UtcNow < end || round < 6; round++)
{
    for (var k = 0; k < order.Length; k++)
    {
        var t0 = ThreadCpuSeconds();
        foreach (var s in samples!) order[k].Run(s);
        if (round >= 3) times[k].Add(ThreadCpuSeconds() - t0);
    }
}
for (var k = 0; k < order.Length; k++)
{
    var t = times[k].Order().ToArray();
    Console.WriteLine($"{order[k].Name,-20} {dirs[order[k].Build],-24} median {bytes / t[t.Length / 2] / 1e6,6:0.0} q1 {bytes / t[t.Length * 3 / 4] / 1e6,6:0.0} q3 {bytes / t[t.Length / 4] / 1e6,6:0.0} best {bytes / t[0] / 1e6,6:0.0} MB/cpu-s ({t.Length} passes)");
}

static double ThreadCpuSeconds() { clock_gettime(3, out var ts); return ts.Seconds + ts.Nanoseconds * 1e-9; }
[DllImport("libc")] static extern int clock_gettime(int clock, out Timespec ts);
[StructLayout(LayoutKind.Sequential)] struct Timespec { public long Seconds; public long Nanoseconds; }

// Loads a build's assemblies from its directory; Auditor.Contracts is shared (the samples are its type).
sealed class DirContext : AssemblyLoadContext
{
    private readonly string _directory;

    public DirContext(string directory) : base(directory) => _directory = directory;

    protected override Assembly? Load(AssemblyName name)
    {
        if (name.Name == "Auditor.Contracts") return null;
        var p = Path.Combine(_directory, name.Name + ".dll");
        return File.Exists(p) ? LoadFromAssemblyPath(p) : null;
    }
}
