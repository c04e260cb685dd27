using Auditor.Detection.Leakage;
using Auditor.Detection.Rules;
using static Auditor.Detection.Tests.DetectorTestKit;

namespace Auditor.Detection.Tests;

public class LeakageAndRulesTests
{
    [Fact]
    public void Flags_a_leaked_end_of_text_token_and_points_at_it()
    {
        // From the dev corpus (codegen-350M running on past <|endoftext|>).
        var output = "    return [joined_string]\n<|endoftext|> 0]]\n            sliced_bboxes[:, (0, 2)] = torch.clamp(";
        var result = Run(new TemplateLeakageDetector(), output);
        Assert.True(result.Flagged);
        var span = Assert.Single(result.Evidence);
        Assert.Equal("<|endoftext|>", output.Substring(span.Start, span.Length));
    }

    [Fact]
    public void Does_not_flag_html_or_ordinary_angle_brackets()
    {
        Assert.False(Run(new TemplateLeakageDetector(), "Use <b>bold</b> and a < b || c > d; see [link](x).").Flagged);
    }

    [Fact]
    public void Flags_a_regex_rule_match_with_its_category()
    {
        var rules = RulesLoader.Load([("r.yaml", "rules:\n  - name: as-an-ai\n    pattern: 'as an AI language model'\n    category: refusal\n")]).RuleSet!;
        var output = "Sure. However, as an AI language model I cannot browse.";
        var result = Run(new RegexRulesDetector(), output, rules: rules);
        Assert.True(result.Flagged);
        var span = Assert.Single(result.Evidence);
        Assert.Equal("as an AI language model", output.Substring(span.Start, span.Length));
        Assert.Contains("refusal", result.Explanation, StringComparison.Ordinal);
    }
}
