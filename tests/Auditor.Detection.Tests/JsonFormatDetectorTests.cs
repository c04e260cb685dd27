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

    // JSON Schema files of rules/schemas/, named by a stream.

    private const string InvoiceSchema = """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "required": ["id", "total", "lines"],
          "additionalProperties": false,
          "properties": {
            "id": { "type": "string" },
            "total": { "type": "number", "minimum": 0 },
            "currency": { "enum": ["EUR", "USD"] },
            "lines": { "type": "array", "items": { "type": "object", "required": ["sku", "qty"], "properties": { "sku": { "type": "string" }, "qty": { "type": "integer" } } } }
          }
        }
        """;

    private static string RulesDirectoryWithSchema(string schemaValue)
    {
        var dir = Directory.CreateTempSubdirectory("auditor-schema-").FullName;
        Directory.CreateDirectory(Path.Combine(dir, "schemas"));
        File.WriteAllText(Path.Combine(dir, "schemas", "invoice.json"), InvoiceSchema);
        File.WriteAllText(Path.Combine(dir, "streams.yaml"),
            $"streams:\n  - route: \"invoices\"\n    detectors: {{ format: {{ signs: {{ fencedJson: on }}, schema: {schemaValue} }} }}\n");
        return dir;
    }

    private static DetectorResult Invoice(string output)
    {
        var dir = RulesDirectoryWithSchema("rules/schemas/invoice.json");
        try
        {
            var load = RulesLoader.LoadDirectory(dir);
            Assert.True(load.Succeeded, string.Join("; ", load.Errors));
            return DetectorRegistry.FromRules(load.RuleSet!).Inspect(new OutputSample { SampleId = "s", Model = "m", Route = "invoices", Output = output })
                .Results.Single(r => r.Detector == "format");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Accepts_json_that_satisfies_the_streams_schema_inside_a_fence()
    {
        var result = Invoice("```json\n{\"id\": \"A-17\", \"total\": 12.5, \"currency\": \"EUR\", \"lines\": [{\"sku\": \"X1\", \"qty\": 2}]}\n```");
        Assert.False(result.Flagged, result.Explanation);
        Assert.Contains("satisfies schemas/invoice.json", result.Explanation);
    }

    [Fact]
    public void Flags_a_schema_violation_with_the_path_of_the_failing_value()
    {
        var output = "{\"id\": \"A-17\", \"total\": 12.5, \"lines\": [{\"sku\": \"X1\", \"qty\": 2}, {\"sku\": \"X2\", \"qty\": \"three\"}]}";
        var result = Invoice(output);
        Assert.True(result.Flagged);
        Assert.Contains("/lines/1/qty", result.Explanation);
        Assert.Contains("/lines/1/qty", result.Evidence[0].Note);
        Assert.Equal(0, result.Evidence[0].Start);
        Assert.Equal(output.Length, result.Evidence[0].Length);
    }

    [Theory]
    [InlineData("{\"total\": 3, \"lines\": []}", "required")]
    [InlineData("{\"id\": \"A\", \"total\": 3, \"lines\": [], \"note\": \"extra\"}", "additionalProperties")]
    [InlineData("{\"id\": \"A\", \"total\": 3, \"currency\": \"GBP\", \"lines\": []}", "enum")]
    [InlineData("[1, 2]", "type")]
    public void Names_the_schema_keyword_that_failed(string output, string keyword)
    {
        var result = Invoice(output);
        Assert.True(result.Flagged);
        Assert.Contains(keyword, result.Explanation);
    }

    [Fact]
    public void Refuses_rules_that_name_a_schema_file_that_is_not_there_or_is_not_a_schema()
    {
        var missing = RulesLoader.Load([("r.yaml", "streams:\n  - route: \"x\"\n    detectors: { format: { signs: { json: on }, schema: schemas/nope.json } }\n")]);
        Assert.False(missing.Succeeded);
        Assert.Contains(missing.Errors, e => e.Problem.Contains("schemas/nope.json", StringComparison.Ordinal) && e.Line == 3);

        var broken = RulesLoader.Load([("r.yaml", "detectors: { format: { enabled: true } }\n")], schemas: [("schemas/bad.json", "{\"type\": 12")]);
        Assert.False(broken.Succeeded);
        Assert.Contains(broken.Errors, e => e.File == "schemas/bad.json");
    }
}
