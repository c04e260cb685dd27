using System.Text;
using System.Text.RegularExpressions;
using Auditor.Detection.Rules;
using static Auditor.Detection.Tests.DetectorTestKit;

namespace Auditor.Detection.Tests;

// The regex rules' prefilter skips a rule only where its regex cannot match: results equal the plain regex's.
public class RulePrefilterTests
{
    private const RegexOptions Loaded = RegexOptions.CultureInvariant | RegexOptions.Compiled;

    private static RulePrefilter? PrefilterOf(string pattern, bool ignoreCase = false) =>
        RulePrefilter.For(new Regex(pattern, Loaded | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None), RuleSet.RegexTimeout));

    [Theory]
    [InlineData(@"<\|eot_id\|>\s*<\|start_header_id\|>\s*assistant", false, "<|start_header_id|>")]
    [InlineData(@"<\|im_(start|end)\|>\s*(user|assistant|system)?", false, "<|im_start|>;<|im_end|>")]
    [InlineData(@"\bas an AI (language )?model\b", true, "as an AI ")]
    [InlineData(@"(?ms)^Comment: .*?^Comment: ", false, "Comment: ")]
    [InlineData(@"(?:USER|User|### User):?[ \t]", false, "USER;User")] // "### User" holds "User"
    [InlineData(@"abc(?i)def", true, "abcdef")]
    [InlineData(@"x(?i:yz)w{3}", true, "xyzwww")]
    [InlineData(@"(?<name>error)\x3A\u0020code", false, "error: code")]
    [InlineData(@"ab+c\d{2,}done", false, "done")]
    [InlineData(@"(?m)^(?:Hi|Hello|Hey)[,!]?[ \t]+I(?:'m| am) the[ \t]+[\w -]{1,40}?(?:Assistant|Bot)\b", false, "I'm the;I am the")]
    public void Finds_the_strings_a_pattern_cannot_match_without(string pattern, bool ignoreCase, string expected)
    {
        var prefilter = PrefilterOf(pattern, ignoreCase && !pattern.Contains("(?i", StringComparison.Ordinal));
        Assert.NotNull(prefilter);
        Assert.Equal(expected.Split(";").Order(StringComparer.Ordinal), prefilter.Strings.Order(StringComparer.Ordinal));
        Assert.Equal(ignoreCase, prefilter.IgnoreCase);
    }

    [Theory]
    [InlineData(@"foo|\d+")]              // a branch with no literal
    [InlineData(@"(?:abc)?x")]            // optional literal, the rest too short
    [InlineData(@"a*bcd*")]               // "bc" alone is too short to be worth it
    [InlineData(@"(\w+) \1 again")]       // backreference: not read
    [InlineData(@"\p{Lu}{3}ERROR")]       // category escape: not read
    [InlineData(@"(?x) e r r o r")]       // free spacing changes what spaces mean
    [InlineData(@"(?(x)abc|def)")]        // conditional
    [InlineData(@"[[:alpha:]]abc")]       // a bracket inside a class
    [InlineData(@"x{,3}abc")]             // a brace the parser does not read
    [InlineData(@"(?<=abc)\d+")]          // a lookbehind requires no text of the match
    public void Falls_back_to_the_plain_regex_where_no_required_string_is_known(string pattern) =>
        Assert.Null(PrefilterOf(pattern));

    [Fact]
    public void A_rule_whose_required_string_is_absent_never_matches_and_is_not_run()
    {
        var rules = RulesLoader.Load([("r.yaml", "rules:\n  - name: forum\n    pattern: '(?ms)^Comment: .*?^Comment: '\n    category: run-on\n")]).RuleSet!;
        var rule = Assert.Single(rules.RegexRules);
        Assert.NotNull(rule.Prefilter);

        var without = "comment: one\ncomment: two\nCOMMENT: three\n";
        Assert.False(rule.Prefilter.MayMatch(without));
        Assert.False(rules.RegexScreen.AnyMayMatch("nothing to see here"));
        Assert.False(Run(new RegexRulesDetector(), without, rules: rules).Flagged);

        var with = "Answer.\nComment: great\nComment: thanks\n";
        WarmUp(rule.Pattern, with);
        var result = Run(new RegexRulesDetector(), with, rules: rules);
        Assert.True(result.Flagged);
        Assert.Equal(rule.Pattern.Match(with).Index, Assert.Single(result.Evidence).Start);
    }

    [Fact]
    public void A_case_insensitive_rule_still_matches_a_kelvin_sign_the_ordinal_search_misses()
    {
        // The regex engine folds K (U+212A) to k when it ignores case; an ordinal case-insensitive search does not.
        var rules = RulesLoader.Load([("r.yaml", "rules:\n  - name: kelvin\n    pattern: 'kelvin scale'\n    ignoreCase: true\n    category: test\n")]).RuleSet!;
        var output = "Temperatures on the \u212Aelvin scale start at absolute zero.";
        WarmUp(rules.RegexRules[0].Pattern, output);
        Assert.Matches(rules.RegexRules[0].Pattern, output);
        Assert.True(Run(new RegexRulesDetector(), output, rules: rules).Flagged);
        Assert.True(Run(new RegexRulesDetector(), "THE KELVIN SCALE", rules: rules).Flagged);
        Assert.False(Run(new RegexRulesDetector(), "the celsius scale", rules: rules).Flagged);
    }

    [Theory]
    [InlineData("\u212Aelvin scale")]                         // the trap first: the ASCII test stops at once
    [InlineData("plain ASCII text, then the \u212Aelvin scale")] // a trap after a long ASCII stretch
    [InlineData("caf\u00E9, then \u212Aelvin scale")]             // non-ASCII before the trap
    [InlineData("nul\0 then \u212Aelvin scale \u00E9")]
    [InlineData("\u212AELVIN SCALE")]
    public void The_screen_passes_an_ignore_case_rule_on_any_text_holding_a_case_trap(string output)
    {
        // Every trap is non-ASCII: the screen skips the trap search only on ASCII texts, never where a trap is.
        var rules = RulesLoader.Load([("r.yaml", "rules:\n  - name: kelvin\n    pattern: 'kelvin scale'\n    ignoreCase: true\n    category: test\n")]).RuleSet!;
        var rule = Assert.Single(rules.RegexRules);
        Assert.True(rules.RegexScreen.AnyMayMatch(output));
        Assert.True(rule.Prefilter!.MayMatch(output));
        WarmUp(rule.Pattern, output);
        Assert.Matches(rule.Pattern, output);
        Assert.True(Run(new RegexRulesDetector(), output, rules: rules).Flagged);
    }

    [Theory]
    [InlineData("the celsius scale, in plain ASCII")]
    [InlineData("")]
    [InlineData("caf\u00E9 \u017F \u0131 \uD800 and no trap for k")] // non-ASCII, but none of the engine's traps for these letters
    public void The_screen_rules_out_an_ignore_case_rule_on_text_without_its_strings_or_a_trap(string output)
    {
        var rules = RulesLoader.Load([("r.yaml", "rules:\n  - name: kelvin\n    pattern: 'kelvin scale'\n    ignoreCase: true\n    category: test\n")]).RuleSet!;
        var rule = Assert.Single(rules.RegexRules);
        var trapped = output.AsSpan().IndexOfAny(RulePrefilter.CaseTraps) >= 0;
        Assert.Equal(trapped, rules.RegexScreen.AnyMayMatch(output));
        Assert.DoesNotMatch(rule.Pattern, output);
        Assert.False(Run(new RegexRulesDetector(), output, rules: rules).Flagged);
    }

    // Patterns of every shape the parser reads (and some it does not), each checked against the plain regex.
    public static TheoryData<string, bool> Patterns => new()
    {
        { @"<\|eot_id\|>\s*<\|start_header_id\|>\s*assistant", false },
        { @"<\|im_(start|end)\|>\s*(user|assistant|system)?", false },
        { @"\bas an AI (language )?model\b", true },
        { "\\bI(?:'m| am) (?:sorry|afraid),? but I (?:can(?:no|')t|am unable to) (?:help|assist|comply)", true },
        { @"(?ms)^(?:USER|User|Human|### (?:Human|User)):?[ \t].*?^(?:ASSISTANT|Assistant|AI):?[ \t]", false },
        { @"(?ms)^Comment: .*?^Comment: ", false },
        { @"abc(?i)kelvin|(?-i)XYZ", false },
        { @"(?i:stra(ss|ß)e)\x00end", false },
        { @"k{2}elvin", true },
        { @"\uD800\uDC00pair", false },
        { @"nul\x00byte", false },
        { @"[^\n]{3}stop\b", true },
    };

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Gives_the_plain_regex_result_on_hostile_inputs(string pattern, bool ignoreCase)
    {
        var regex = new Regex(pattern, Loaded | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None), RuleSet.RegexTimeout);
        var prefilter = RulePrefilter.For(regex);
        var screen = new RegexRuleScreen([new RegexRule("r", regex, "c", "test")]);
        // The reference runs without a timeout: a lazy rule over a 1 MiB output may take longer than the rules' 50 ms.
        var reference = new Regex(pattern, regex.Options, Regex.InfiniteMatchTimeout);
        foreach (var input in HostileInputs())
            AssertSameAsPlainRegex(regex, reference, prefilter, screen, input);

        // Random texts built from the patterns' own pieces, case-flipped, with Kelvin signs, surrogates and NULs.
        var random = new Random(14);
        string[] pieces = ["<|eot_id|>", "<|start_header_id|>", "assistant", "<|im_start|>", "<|im_end|>", "user", "as an AI ",
            "language ", "model", "I'm ", "I am ", "sorry", "afraid", ", but I ", "cannot", "can't", "am unable to", " help",
            " assist", "\n", "USER: ", "User\t", "Human ", "### User ", "ASSISTANT: ", "AI ", "Comment: ", "abc", "kelvin", "\u212Aelvin",
            "KELVIN", "XYZ", "xyz", "strasse", "straße", "\0", "end", "kk", "elvin", "\uD800", "\uDC00", "pair", "nul", "byte", "stop", " ",
            "\u0130", "\u0131", "\u017F"];
        for (var n = 0; n < 3000; n++)
        {
            var text = new StringBuilder();
            for (var k = random.Next(1, 12); k > 0; k--)
            {
                var piece = pieces[random.Next(pieces.Length)];
                text.Append(random.Next(3) switch { 0 => piece.ToUpperInvariant(), 1 => piece.ToLowerInvariant(), _ => piece });
            }
            AssertSameAsPlainRegex(regex, reference, prefilter, screen, text.ToString());
        }
    }

    private static IEnumerable<string> HostileInputs()
    {
        yield return "";
        yield return "\0";
        yield return "\uD800";                       // lone high surrogate
        yield return "abc\uDC00def";                 // lone low surrogate
        yield return "\uD800\uDC00pair";
        yield return "nul\0byte";
        yield return "\uFFFD\uFFFE\uFFFF";
        yield return "as an \u0130I model";          // dotted capital I: not an ASCII I to the invariant engine
        yield return "AS AN AI MODEL";
        yield return "\u212A\u212Aelvin";
        var big = new string('a', 1 << 20);
        yield return big;
        yield return big + "<|im_end|>";
        yield return "Comment: x\n" + big + "\nComment: y";
        yield return string.Concat(Enumerable.Repeat("User: hi\n", 20_000)) + "Assistant: done";
    }

    private static void AssertSameAsPlainRegex(Regex regex, Regex reference, RulePrefilter? prefilter, RegexRuleScreen screen, string input)
    {
        var match = reference.Match(input);
        var ruledOut = prefilter is not null && (!screen.AnyMayMatch(input) || !prefilter.MayMatch(input));
        if (ruledOut)
            Assert.False(match.Success, $"the prefilter ruled out /{regex}/ on an input it matches at {match.Index}: {Escape(input)}");

        // Through the detector: the same evidence as the regex alone. The rule's regex may time out instead (a huge input,
        // or its first run compiling on a loaded machine), which the detector reports: only a rule that ran can.
        var result = Run(new RegexRulesDetector(), input, rules: RulesOf(regex));
        if (result.Explanation.Contains("timed out", StringComparison.Ordinal))
        {
            Assert.False(ruledOut);
            return;
        }
        Assert.Equal(match.Success, result.Flagged);
        if (match.Success)
            Assert.Equal((match.Index, match.Length), (result.Evidence[0].Start, result.Evidence[0].Length));
    }

    // A compiled regex's first run compiles its matcher, which on a loaded machine can take longer than the rules' 50 ms
    // timeout; the assertions are about the second run.
    private static void WarmUp(Regex regex, string input)
    {
        try
        {
            regex.Match(input);
        }
        catch (RegexMatchTimeoutException)
        {
        }
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Regex, RuleSet> s_rules = [];

    private static RuleSet RulesOf(Regex regex) => s_rules.GetValue(regex, r => new RuleSet(new Dictionary<string, DetectorOverride>(), [],
        ReviewFractionSettings.Default, Features.TemplateTokenSet.Default, [new RegexRule("r", r, "c", "test")], "test"));

    private static string Escape(string s) => s.Length > 200 ? s[..200] + "..." : string.Concat(s.Select(c => c is >= ' ' and < '\u007F' ? c.ToString() : $"\\u{(int)c:X4}"));
}
