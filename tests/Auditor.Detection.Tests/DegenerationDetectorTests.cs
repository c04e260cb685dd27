using Auditor.Detection.Degeneration;
using static Auditor.Detection.Tests.DetectorTestKit;

namespace Auditor.Detection.Tests;

public class DegenerationDetectorTests
{
    private readonly DegenerationDetector _detector = new();

    [Fact]
    public void Flags_a_looping_answer_and_points_at_the_loop()
    {
        // From the dev corpus (gpt2-large beam search).
        var head = "The former secretary of state took the stage at a rally in New Hampshire.\n\n\"";
        var output = head + string.Concat(Enumerable.Repeat("I'm feeling great. ", 30)) + "I'm feeling great";
        var result = Run(_detector, output);
        Assert.True(result.Flagged, result.Explanation);
        var loop = result.Evidence.First();
        Assert.Equal(output.Length, loop.Start + loop.Length);
        Assert.Contains("I'm feeling great. I'm feeling great.", output.Substring(loop.Start, loop.Length));
        Assert.True(loop.Start >= head.Length - 1);
    }

    [Fact]
    public void Flags_a_counting_loop()
    {
        var output = " Concerto " + string.Concat(Enumerable.Range(270, 40).Select(i => $"Chapter: {i} "));
        Assert.True(Run(_detector, output).Flagged);
    }

    [Fact]
    public void Flags_a_loop_in_text_without_spaces()
    {
        var output = "我们今天讨论这个问题。" + string.Concat(Enumerable.Repeat("这是一个很好的问题，", 30));
        Assert.True(Run(_detector, output).Flagged);
    }

    [Theory]
    [InlineData("Yes.")]
    [InlineData("42")]
    [InlineData("{\"status\":\"ok\",\"count\":3}")]
    [InlineData("Paris is the capital of France. It lies on the Seine and has about two million inhabitants.")]
    public void Does_not_flag_an_ordinary_short_answer(string output) => Assert.False(Run(_detector, output).Flagged);

    [Fact]
    public void Does_not_flag_a_markdown_table()
    {
        var table = "| Name | Role | Team | Since |\n|------|------|------|-------|\n| Alice Martin | Backend engineer | Payments | 2019 |\n"
            + "| Bob Chen | Data scientist | Search | 2021 |\n| Carla Diaz | Product manager | Growth | 2018 |\n| Dan Okafor | SRE | Platform | 2020 |\n"
            + "| Eve Novak | Designer | Mobile | 2022 |\n| Farid Haddad | Frontend engineer | Checkout | 2017 |\n";
        Assert.False(Run(_detector, table).Flagged);
    }

    [Fact]
    public void Does_not_flag_a_list_of_similar_items()
    {
        var list = "Here are the steps:\n- Install the package with npm on Linux.\n- Install the package with yarn on macOS.\n"
            + "- Install the package with pnpm on Windows.\n- Configure the API key in settings.json.\n- Run the tests before deploying.\n";
        Assert.False(Run(_detector, list).Flagged);
    }

    [Fact]
    public void Does_not_flag_code_with_repeated_structure()
    {
        var code = "def grade(score):\n    if score >= 90:\n        return \"A\"\n    elif score >= 80:\n        return \"B\"\n"
            + "    elif score >= 70:\n        return \"C\"\n    elif score >= 60:\n        return \"D\"\n    else:\n        return \"F\"\n\n\n"
            + "def test_grade():\n    assert grade(95) == \"A\"\n    assert grade(85) == \"B\"\n    assert grade(75) == \"C\"\n    assert grade(10) == \"F\"\n";
        Assert.False(Run(_detector, code).Flagged);
    }

    [Fact]
    public void Points_at_repeated_lines()
    {
        var output = "def f():\n" + string.Concat(Enumerable.Repeat("    # HINT: Use a counter to keep track of the parentheses\n", 12));
        var result = Run(_detector, output);
        Assert.True(result.Flagged);
        var lines = Assert.Single(result.Evidence, e => e.Note.Contains("same line", StringComparison.Ordinal));
        Assert.StartsWith("    # HINT", output.Substring(lines.Start, lines.Length), StringComparison.Ordinal);
    }

    [Fact]
    public void Does_not_flag_a_table_of_different_numbers()
    {
        // Digits are folded to find counting loops; a run of different numbers must not pass for one.
        var rnd = new Random(7);
        var rows = string.Concat(Enumerable.Range(1, 60).Select(i =>
            FormattableString.Invariant($"{i} {rnd.Next(10, 99)}.{rnd.Next(0, 9)} {rnd.Next(10, 30)}.{rnd.Next(0, 9)}% ")));
        var csv = string.Join(",", Enumerable.Range(0, 300).Select(_ => rnd.Next(0, 100_000).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.False(Run(_detector, rows).Flagged, Run(_detector, rows).Explanation);
        Assert.False(Run(_detector, csv).Flagged, Run(_detector, csv).Explanation);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("!")]
    [InlineData("...")]
    [InlineData("\n\n  —  \n")]
    [InlineData("。")]
    [InlineData("?!")]
    public void Flags_an_answer_of_punctuation_alone_and_points_at_it(string output)
    {
        var result = Run(_detector, output);
        Assert.True(result.Flagged, result.Explanation);
        Assert.Equal(1.0, result.Score);
        Assert.Contains("no word", result.Explanation, StringComparison.Ordinal);
        var span = Assert.Single(result.Evidence);
        Assert.Equal(output.Trim(), output.Substring(span.Start, span.Length));
    }

    [Theory]
    [InlineData("{}")]           // an empty JSON object or array is a complete structured answer
    [InlineData("[]")]
    [InlineData("\"\"")]
    [InlineData("👍")]           // a symbol carries meaning
    [InlineData("$")]
    [InlineData("#")]            // "Which character starts a comment in Python?"
    [InlineData("0")]
    [InlineData("No.")]
    [InlineData("")]             // blank: the empty detector's finding, not this one
    [InlineData("   \n")]
    public void Does_not_call_a_structure_a_symbol_a_number_or_a_blank_punctuation_alone(string output)
    {
        var result = Run(_detector, output);
        Assert.False(result.Flagged, result.Explanation);
        Assert.Equal(0, result.Score);
    }
}
