using Auditor.Detection.Degeneration;
using Auditor.Detection.Rules;

namespace Auditor.Detection.Tests;

public class RulesTests
{
    private const string Good = "detectors:\n  degeneration: { threshold: 0.7 }\nstreams:\n  - model: \"llama-*\"\n    route: \"code*\"\n    detectors:\n      degeneration: { enabled: false }\n    review: { uniform: 0.1 }\n";

    [Fact]
    public void Applies_thresholds_and_per_stream_overrides_by_glob()
    {
        var set = RulesLoader.Load([("a.yaml", Good)]).RuleSet!;
        var d = new DegenerationDetector();
        Assert.Equal(new DetectorSettings(true, 0.7), set.For(d, "qwen", "chat"));
        Assert.False(set.For(d, "llama-3-8b", "code-review").Enabled);
        Assert.Equal(new ReviewFractionSettings(0.1, 1.0), set.ReviewFor("llama-3-8b", "code-review"));
        Assert.Equal(ReviewFractionSettings.Default, set.ReviewFor("qwen", "chat"));
    }

    [Fact]
    public void Names_file_and_line_of_each_error()
    {
        var yaml = "detectors:\n  degeneration: { threshold: high }\nrules:\n  - name: broken\n    pattern: '(unclosed'\n    category: refusal\n";
        var result = RulesLoader.Load([("team.yaml", yaml)]);
        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.File == "team.yaml" && e.Line == 2 && e.Problem.Contains("number", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.File == "team.yaml" && e.Line == 5 && e.Problem.Contains("invalid regular expression", StringComparison.Ordinal));
    }

    [Fact]
    public void Switches_a_degeneration_sign_off_on_matching_streams_only()
    {
        // A code-completion stream, where a lone ";" is a whole answer, switches the no-words sign off; a later entry
        // switches it back on for one model.
        var yaml = "streams:\n  - model: \"*\"\n    route: \"fim*\"\n    detectors:\n      degeneration: { signs: { noWords: off, runOn: off } }\n"
            + "  - model: \"strict-*\"\n    route: \"*\"\n    detectors:\n      degeneration: { signs: { noWords: on } }\n";
        var set = RulesLoader.Load([("a.yaml", yaml)]).RuleSet!;
        var d = new DegenerationDetector();
        var registry = new DetectorRegistry([d], (IRuleSetSource)set);

        Assert.Empty(set.For(d, "coder", "chat").SignsOff);
        Assert.Equal(new HashSet<string> { "noWords", "runOn" }, set.For(d, "coder", "fim-python").SignsOff);
        Assert.Equal(new HashSet<string> { "runOn" }, set.For(d, "strict-coder", "fim-python").SignsOff);
        Assert.Equal(new DetectorSettings(true, 1.0) { SignsOff = new HashSet<string> { "runOn", "noWords" } }, set.For(d, "coder", "fim-go"));

        Assert.True(registry.Inspect(DetectorTestKit.Sample(";", "coder", "chat")).Results.Single().Flagged);
        var fim = registry.Inspect(DetectorTestKit.Sample(";", "coder", "fim-python")).Results.Single();
        Assert.False(fim.Flagged);
        Assert.Equal(0, fim.Score);
        Assert.True(registry.Inspect(DetectorTestKit.Sample(";", "strict-coder", "fim-python")).Results.Single().Flagged);
        // The signs left on still count: a loop is flagged on the completion stream.
        var loop = string.Concat(Enumerable.Repeat("x = x + 1;\n", 40));
        Assert.True(registry.Inspect(DetectorTestKit.Sample(loop, "coder", "fim-python")).Results.Single().Flagged);
    }

    [Theory]
    [InlineData("detectors:\n  degeneration: { signs: { noWord: off } }\n", 2, "unknown sign 'noWord'")]
    [InlineData("detectors:\n  truncation: { signs: { noWords: off } }\n", 2, "has no signs")]
    [InlineData("detectors:\n  length: { signs: { noWords: off } }\n", 2, "unknown sign 'noWords'")]
    [InlineData("detectors:\n  degeneration:\n    signs:\n      runOn: maybe\n", 4, "expected true/false")]
    [InlineData("detectors:\n  degeneration: { signs: [noWords] }\n", 2, "signs is a mapping")]
    public void Names_file_and_line_of_a_bad_sign_switch(string yaml, int line, string problem)
    {
        var result = RulesLoader.Load([("signs.yaml", yaml)]);
        Assert.False(result.Succeeded);
        var error = Assert.Single(result.Errors);
        Assert.Equal(("signs.yaml", line), (error.File, error.Line));
        Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Ships_a_valid_default_configuration()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "rules");
        var result = RulesLoader.LoadDirectory(dir);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Contains("<|im_end|>", result.RuleSet!.TemplateTokens.Tokens);
    }

    [Fact]
    public void Hot_reload_swaps_in_a_good_edit_and_keeps_the_last_good_rules_on_a_bad_one()
    {
        var dir = Directory.CreateTempSubdirectory("rules-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "a.yaml"), Good);
            using var watcher = new RulesWatcher(dir, TimeSpan.FromHours(1));
            var first = watcher.Current;
            Assert.Equal(0.7, first.For(new DegenerationDetector(), "x", "y").Threshold);

            File.WriteAllText(Path.Combine(dir, "a.yaml"), Good.Replace("0.7", "0.8", StringComparison.Ordinal));
            Assert.True(watcher.Reload());
            var second = watcher.Current;
            Assert.NotSame(first, second);
            Assert.Equal(0.8, second.For(new DegenerationDetector(), "x", "y").Threshold);
            Assert.Equal(0.7, first.For(new DegenerationDetector(), "x", "y").Threshold); // snapshots are immutable

            File.WriteAllText(Path.Combine(dir, "a.yaml"), "detectors:\n  nope: on\n");
            Assert.False(watcher.Reload());
            Assert.Same(second, watcher.Current);
            Assert.False(watcher.Status.Healthy);
            Assert.Contains("a.yaml:2", watcher.Status.LastErrors[0].ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Never_puts_in_force_a_rules_file_caught_half_written()
    {
        var dir = Directory.CreateTempSubdirectory("rules-").FullName;
        try
        {
            var path = Path.Combine(dir, "a.yaml");
            File.WriteAllText(path, Good);
            using var watcher = new RulesWatcher(dir, TimeSpan.FromMilliseconds(20));
            var inForce = new System.Collections.Concurrent.ConcurrentQueue<double>();
            using var changed = new ManualResetEventSlim();
            watcher.Reloaded += (_, e) =>
            {
                if (!e.Changed)
                    return;
                inForce.Enqueue(e.Current.For(new DegenerationDetector(), "x", "y").Threshold);
                changed.Set();
            };
            // An editor's save: the file emptied, then written a moment later; several polls see it empty.
            using (var file = new FileStream(path, FileMode.Truncate, FileAccess.Write))
            {
                file.Flush();
                Thread.Sleep(100);
                file.Write(System.Text.Encoding.UTF8.GetBytes(Good.Replace("0.7", "0.9", StringComparison.Ordinal)));
            }
            Assert.True(changed.Wait(TimeSpan.FromSeconds(10)), "the edit was not picked up");
            Assert.Equal(0.9, inForce.First());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Picks_up_a_good_edit_without_restart()
    {
        var dir = Directory.CreateTempSubdirectory("rules-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "a.yaml"), Good);
            using var watcher = new RulesWatcher(dir, TimeSpan.FromMilliseconds(50));
            using var changed = new ManualResetEventSlim();
            watcher.Reloaded += (_, e) => { if (e.Changed) changed.Set(); };
            File.WriteAllText(Path.Combine(dir, "a.yaml"), Good.Replace("0.7", "0.9", StringComparison.Ordinal) + "\n");
            Assert.True(changed.Wait(TimeSpan.FromSeconds(10)), "the edit was not picked up");
            Assert.Equal(0.9, watcher.Current.For(new DegenerationDetector(), "x", "y").Threshold);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Picks_up_an_edit_of_a_schema_file_in_the_schemas_folder()
    {
        var dir = Directory.CreateTempSubdirectory("auditor-rules-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "schemas"));
            File.WriteAllText(Path.Combine(dir, "schemas", "x.json"), "{\"type\": \"object\"}");
            File.WriteAllText(Path.Combine(dir, "a.yaml"), "streams:\n  - route: \"x\"\n    detectors: { format: { enabled: true, signs: { json: on }, schema: schemas/x.json } }\n");
            using var watcher = new RulesWatcher(dir, TimeSpan.FromMilliseconds(50));
            Assert.True(watcher.Status.Healthy);
            using var failed = new ManualResetEventSlim();
            watcher.Reloaded += (_, e) => { if (e.Errors.Count > 0) failed.Set(); };
            File.WriteAllText(Path.Combine(dir, "schemas", "x.json"), "{\"type\": 12, \"padding\": \"so the size changes\"}");
            Assert.True(failed.Wait(TimeSpan.FromSeconds(10)), "the schema edit was not picked up");
            Assert.Contains(watcher.Status.LastErrors, e => e.File == "schemas/x.json");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Readers_never_see_half_of_an_edit()
    {
        // Two versions that change a threshold and a review fraction together: every snapshot must hold a matching pair.
        var dir = Directory.CreateTempSubdirectory("rules-").FullName;
        try
        {
            static string Version(double threshold, double uniform) =>
                FormattableString.Invariant($"detectors:\n  degeneration: {{ threshold: {threshold} }}\nreview: {{ uniform: {uniform} }}\n");
            File.WriteAllText(Path.Combine(dir, "a.yaml"), Version(0.7, 0.1));
            using var watcher = new RulesWatcher(dir, TimeSpan.FromHours(1));
            using var stop = new CancellationTokenSource();
            var writer = Task.Run(() =>
            {
                for (var k = 0; k < 50; k++)
                {
                    File.WriteAllText(Path.Combine(dir, "a.yaml"), k % 2 == 0 ? Version(0.8, 0.2) : Version(0.7, 0.1));
                    watcher.Reload();
                }
                stop.Cancel();
            });
            var detector = new DegenerationDetector();
            var seen = new HashSet<(double, double)>();
            while (!stop.IsCancellationRequested)
            {
                var snapshot = watcher.Current;
                seen.Add((snapshot.For(detector, "m", "r").Threshold, snapshot.ReviewFor("m", "r").Uniform));
            }
            await writer;
            Assert.Subset(new HashSet<(double, double)> { (0.7, 0.1), (0.8, 0.2) }, seen);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
