using Auditor.Contracts;
using Auditor.Detection.Rules;

namespace Auditor.Detection.Tests;

public class JsonFormatDetectorTests
{
    private static readonly RuleSet Rules = RulesLoader.Load([("r.yaml", """
        streams:
          - route: "extract"
            detectors: { format: { signs: { json: on } } }
          - route: "chat-extract"
            detectors: { format: { signs: { fencedJson: on } } }
        """)]).RuleSet!;

    private static DetectorResult Format(string route, string output) =>
        DetectorRegistry.FromRules(Rules).Inspect(new OutputSample { SampleId = "s", Model = "m", Route = route, Output = output })
            .Results.Single(r => r.Detector == "format");

    [Fact]
    public void Does_not_judge_a_stream_that_declares_no_format()
    {
        var result = Format("chat", "not json at all");
        Assert.True(result.Abstained);
        Assert.False(result.Flagged);
    }

    [Fact]
    public void The_shipped_rules_run_format_only_on_a_stream_that_switches_it_on()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "rules", "default.yaml")))
            dir = Path.GetDirectoryName(dir);
        var shipped = File.ReadAllText(Path.Combine(dir ?? throw new DirectoryNotFoundException("rules/ not found above the test binaries"), "rules", "default.yaml"));
        const string extract = "streams:\n  - route: \"extract\"\n    detectors: { format: { enabled: true, signs: { json: on } } }\n";
        var registry = DetectorRegistry.FromRules(RulesLoader.Load([("default.yaml", shipped), ("extract.yaml", extract)]).RuleSet!);

        var onChat = registry.Inspect(new OutputSample { SampleId = "a", Model = "m", Route = "chat", Output = "not json" });
        var onExtract = registry.Inspect(new OutputSample { SampleId = "b", Model = "m", Route = "extract", Output = "not json" });

        Assert.DoesNotContain(onChat.Results, r => r.Detector == "format");
        Assert.True(onExtract.Results.Single(r => r.Detector == "format").Flagged);
    }

    [Theory]
    [InlineData("{\"name\": \"Ada\", \"born\": 1815}")]
    [InlineData("  [1, 2, 3]\n")]
    public void Accepts_valid_json_on_a_json_stream(string output) =>
        Assert.False(Format("extract", output).Flagged);

    [Fact]
    public void Flags_invalid_json_at_the_position_of_the_error()
    {
        const string output = "{\"name\": \"Ada\",\n \"born\": 18x15}";
        var result = Format("extract", output);
        Assert.True(result.Flagged, result.Explanation);
        var span = Assert.Single(result.Evidence);
        Assert.Equal(output.IndexOf('x', StringComparison.Ordinal), span.Start);
        Assert.Contains("line 2", result.Explanation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"a\": 1} and that is the answer")]
    [InlineData("{\"a\": [1, 2,")]
    [InlineData("")]
    public void Flags_text_after_the_value_a_cut_value_and_an_empty_output(string output) =>
        Assert.True(Format("extract", output).Flagged);

    [Fact]
    public void Flags_a_fence_where_bare_json_is_declared_and_accepts_it_where_fenced_json_is()
    {
        const string fenced = "```json\n{\"a\": 1}\n```\n";
        Assert.True(Format("extract", fenced).Flagged);
        Assert.False(Format("chat-extract", fenced).Flagged);
        Assert.False(Format("chat-extract", "{\"a\": 1}").Flagged);
        Assert.True(Format("chat-extract", "```json\n{\"a\": 1}\n").Flagged); // the fence never closes
        Assert.True(Format("chat-extract", "```json\n{\"a\": }\n```").Flagged);
    }

    [Fact]
    public void Rejects_an_unknown_format_sign_in_rules()
    {
        var load = RulesLoader.Load([("r.yaml", "detectors:\n  format: { signs: { yaml: on } }\n")]);
        Assert.Null(load.RuleSet);
        Assert.Contains(load.Errors, e => e.ToString().Contains("yaml", StringComparison.Ordinal));
    }
}
