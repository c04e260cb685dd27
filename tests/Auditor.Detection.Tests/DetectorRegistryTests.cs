using Auditor.Detection.Length;
using Auditor.Detection.Rules;
using static Auditor.Detection.Tests.DetectorTestKit;

namespace Auditor.Detection.Tests;

public class DetectorRegistryTests
{
    [Fact]
    public void Runs_every_detector_configured_by_rules_and_flags_a_looping_answer()
    {
        var registry = DetectorRegistry.FromRules(RuleSet.Defaults, LengthBaselineTable.Empty);
        var inspection = registry.Inspect(Sample("Sure! " + string.Concat(Enumerable.Repeat("I will help you with that. ", 30))));
        Assert.Equal(["empty", "truncation", "degeneration", "length", "leakage", "rules", "reasoning", "format", "language"], inspection.Results.Select(r => r.Detector));
        Assert.True(inspection.Flagged);
        Assert.True(inspection.Results.Single(r => r.Detector == "length").Abstained);
    }

    [Fact]
    public void Judges_a_sample_without_its_text_on_metadata_only_and_does_not_call_it_empty()
    {
        var registry = DetectorRegistry.FromRules(RuleSet.Defaults, LengthBaselineTable.Empty);
        var sample = Sample("") with { Output = null, OutputCaptured = false, FinishReason = "length" };

        var inspection = registry.Inspect(sample);

        var truncation = inspection.Results.Single(r => r.Detector == "truncation");
        Assert.True(truncation.Flagged);
        Assert.All(inspection.Results.Where(r => r.Detector != "truncation"), r =>
        {
            Assert.True(r.Abstained);
            Assert.False(r.Flagged);
            Assert.Equal(DetectorRegistry.NotCaptured, r.Explanation);
        });
        Assert.True(registry.Inspect(Sample("")).Results.Single(r => r.Detector == "empty").Flagged); // an empty text still is
    }

    [Fact]
    public void Honours_a_detector_switched_off_for_a_stream()
    {
        var rules = RulesLoader.Load([("r.yaml", "streams:\n  - model: \"m\"\n    detectors:\n      degeneration: off\n")]).RuleSet!;
        var registry = DetectorRegistry.FromRules(rules);
        var looping = string.Concat(Enumerable.Repeat("I will help you with that. ", 30));
        Assert.DoesNotContain(registry.Inspect(Sample(looping, model: "m")).Results, r => r.Detector == "degeneration");
        Assert.Contains(registry.Inspect(Sample(looping, model: "other")).Results, r => r.Detector == "degeneration" && r.Flagged);
    }

    [Fact]
    public void Starts_on_defaults_and_says_so_when_the_rules_directory_is_invalid()
    {
        var dir = Directory.CreateTempSubdirectory("rules-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "bad.yaml"), "detectors: [\n");
            using var watcher = new RulesWatcher(dir, TimeSpan.FromHours(1));
            Assert.Same(RuleSet.Defaults, watcher.Current);
            Assert.False(watcher.Status.Healthy);
            Assert.Equal("bad.yaml", watcher.Status.LastErrors[0].File);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
