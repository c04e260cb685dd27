using Auditor.Detection.Reasoning;
using static Auditor.Detection.Tests.DetectorTestKit;

namespace Auditor.Detection.Tests;

public class ReasoningBlockDetectorTests
{
    private readonly ReasoningBlockDetector _detector = new();

    [Fact]
    public void Flags_a_thinking_block_that_never_closes()
    {
        var output = "<think>\nThe user wants the sum. 2 + 2 is 4. But let me double-check the question again";
        var result = Run(_detector, output);
        Assert.True(result.Flagged, result.Explanation);
        var span = Assert.Single(result.Evidence);
        Assert.Equal(0, span.Start);
        Assert.Equal(output.Length, span.Length);
        Assert.Contains("never closes", result.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Says_the_budget_was_used_when_generation_stopped_at_the_limit_inside_the_block()
    {
        var sample = Sample("<thinking>Let me consider each case in turn. Case 1:", finishReason: "length");
        var context = new DetectionContext(sample, Features.FeatureExtractor.Extract(sample));
        var result = _detector.Evaluate(context, new DetectorSettings(true, 1));
        Assert.True(result.Flagged);
        Assert.Contains("used up the budget", result.Explanation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<think>2 + 2 = 4.</think>\n\n   ")]
    [InlineData("The user asks for a sum; it is 4.\n</think>\n")]
    public void Flags_a_thinking_block_with_no_answer_after_it(string output)
    {
        var result = Run(_detector, output);
        Assert.True(result.Flagged, result.Explanation);
        Assert.Contains("no answer", result.Explanation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<think>2 + 2 = 4.</think>\nThe answer is 4.")]
    [InlineData("Okay, the sum is 4.\n</think>\n\nThe answer is **4**.")]
    [InlineData("<|begin_of_thought|>simple<|end_of_thought|> 4")]
    [InlineData("A plain answer with no thinking block, mentioning <b>bold</b> tags.")]
    [InlineData("Use the <thinking> tag in your prompt, like this: <thinking>...</thinking> then answer.")]
    public void Does_not_flag_a_closed_block_with_an_answer_or_no_block(string output) =>
        Assert.False(Run(_detector, output).Flagged);
}
