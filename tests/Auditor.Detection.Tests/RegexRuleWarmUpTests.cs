using System.Runtime;
using System.Text.RegularExpressions;
using Auditor.Detection.Rules;

namespace Auditor.Detection.Tests;

// A compiled rule compiles its match code on its first match attempt; the loader makes that attempt, so the first output
// after a load or reload is not charged for it inside the 50 ms timeout. Seen by the JIT: methods compiled on this
// thread while the first output is matched.
public class RegexRuleWarmUpTests
{
    // The shared code a match of this pattern on this output needs (Match objects, the runner's base, the library's
    // searches) compiled first by a twin of the pattern, so what is counted is the rule's own match code. The twin has no
    // timeout: its own first match compiles its code, which on a loaded machine can take longer than 50 ms.
    private static void WarmTheEngine(Regex pattern, string output)
    {
        var twin = new Regex(pattern.ToString(), pattern.Options, Regex.InfiniteMatchTimeout);
        for (var i = 0; i < 2; i++)
        {
            _ = twin.Match(output);
            _ = twin.IsMatch(output);
        }
    }

    private static (bool Success, long Compiled) FirstMatch(Regex pattern, string output)
    {
        var before = JitInfo.GetCompiledMethodCount(currentThread: true);
        var success = pattern.Match(output).Success;
        return (success, JitInfo.GetCompiledMethodCount(currentThread: true) - before);
    }

    [Fact]
    public void A_rule_compiled_outside_the_loader_compiles_code_on_its_first_match()
    {
        // The measurement can see the cost the loader removes.
        var cold = new Regex(@"(?ms)^Comment: .*?^Comment: ", RegexOptions.Compiled | RegexOptions.CultureInvariant, RuleSet.RegexTimeout);
        const string output = "Use a loop.\nComment: thanks\nComment: it worked";
        WarmTheEngine(cold, output);
        var (success, compiled) = FirstMatch(cold, output);
        Assert.True(success);
        Assert.True(compiled > 0);
    }

    // An output each shipped rule matches (not its example in default.yaml).
    public static TheoryData<string, string> ShippedRuleOutputs => new()
    {
        { "llama3-assistant-header", "Sure.\n<|eot_id|>\n<|start_header_id|> assistant\nMore." },
        { "chatml-turn", "Done<|im_end|>" },
        { "as-an-ai-model", "Well, as an AI model I cannot browse." },
        { "cannot-assist", "I am afraid but I cannot comply." },
        { "speaker-turn-run-on", "Here it is.\nAssistant: hello\nUser: hi" },
        { "forum-comment-run-on", "x\nComment: a\nb\nComment: c" },
        { "persona-introduction", "Answer.\nHello I am the Helpdesk bot, ask me." },
        { "wiki-end-matter", "Text.\n## External links\n* a" },
    };

    [Theory]
    [MemberData(nameof(ShippedRuleOutputs))]
    public void Each_shipped_rule_has_its_match_code_compiled_at_load(string rule, string output)
    {
        var pattern = RulesLoader.LoadDirectory(Path.Combine(AppContext.BaseDirectory, "rules")).RuleSet!.RegexRules.Single(r => r.Name == rule).Pattern;
        WarmTheEngine(pattern, output);
        var (success, compiled) = FirstMatch(pattern, output);
        Assert.True(success);
        Assert.Equal(0, compiled);
    }

    [Fact]
    public void A_rule_without_an_example_is_warmed_on_its_required_strings()
    {
        var yaml = "rules:\n  - name: forum\n    pattern: '(?ms)^Comment: .*?^Comment: '\n    category: run-on\n";
        var pattern = RulesLoader.Load([("a.yaml", yaml)]).RuleSet!.RegexRules[0].Pattern;
        const string output = "Use a loop.\nComment: thanks\nComment: it worked";
        WarmTheEngine(pattern, output);
        var (success, compiled) = FirstMatch(pattern, output);
        Assert.True(success);
        Assert.Equal(0, compiled);
    }

    [Fact]
    public void A_rule_that_does_not_match_its_own_example_is_an_error_on_the_example_line()
    {
        var yaml = "rules:\n  - name: forum\n    pattern: '(?ms)^Comment: .*?^Comment: '\n    category: run-on\n    example: \"one Comment: only\"\n";
        var result = RulesLoader.Load([("team.yaml", yaml)]);
        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.File == "team.yaml" && e.Line == 5 && e.Problem == "rule 'forum' does not match its own example");
    }
}
