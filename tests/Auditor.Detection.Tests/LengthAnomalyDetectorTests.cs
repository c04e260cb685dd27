using Auditor.Detection.Length;
using static Auditor.Detection.Tests.DetectorTestKit;

namespace Auditor.Detection.Tests;

public class LengthAnomalyDetectorTests
{
    private static readonly (string, string, int)[] Rows =
        Enumerable.Range(0, 200).Select(i => ("m", "r", 400 + (i * 37 % 800))).ToArray();

    [Fact]
    public void Abstains_until_the_stream_has_enough_baseline_samples()
    {
        var table = LengthBaselineTable.Build(Rows.Take(10));
        var result = Run(new LengthAnomalyDetector(), "Hi", table);
        Assert.True(result.Abstained);
        Assert.False(result.Flagged);
        Assert.Contains("10 of the 50", result.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_too_long_outputs_and_short_ones_that_end_cut()
    {
        var table = LengthBaselineTable.Build(Rows);
        Assert.True(Run(new LengthAnomalyDetector(), new string('x', 200_000), table).Flagged);
        Assert.False(Run(new LengthAnomalyDetector(), new string('x', 700), table).Flagged);
        var cut = Run(new LengthAnomalyDetector(), "Here it is, and", table);
        Assert.False(cut.Flagged); // ends normally: no joining mark
        var joined = Run(new LengthAnomalyDetector(), "First,", table);
        Assert.True(joined.Flagged, joined.Explanation);
        Assert.Contains("joins to more text", joined.Explanation, StringComparison.Ordinal);
        var fence = Run(new LengthAnomalyDetector(), "```py\nx = 1", table);
        Assert.True(fence.Flagged, fence.Explanation);
    }

    [Theory]
    [InlineData("Yes.")]
    [InlineData("c.")]
    [InlineData("NO RULE BROKEN")]
    [InlineData("$20,000 decrease.")]
    [InlineData("\U0001F44D")]
    [InlineData("Test")]
    public void Does_not_flag_a_short_answer_that_ends_normally(string answer)
    {
        // Essays of 3,000-6,000 characters: every one of these answers is more than 6 robust deviations short.
        var essays = LengthBaselineTable.Build(Enumerable.Range(0, 200).Select(i => ("m", "r", 3000 + (i * 37 % 3000))));
        var result = Run(new LengthAnomalyDetector(), answer, essays);
        Assert.True(result.Score >= 6, result.Explanation);
        Assert.False(result.Flagged, result.Explanation);
        Assert.False(result.Abstained);
        Assert.Contains("nothing shows an early stop", result.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_a_short_output_stopped_at_the_token_limit()
    {
        var sample = Sample("Ok") with { FinishReason = "length" };
        var context = new DetectionContext(sample, Features.FeatureExtractor.Extract(sample)) { Baselines = LengthBaselineTable.Build(Rows) };
        Assert.True(new LengthAnomalyDetector().Evaluate(context, new DetectorSettings(true, 6)).Flagged);
    }

    [Fact]
    public void Abstains_on_a_stream_whose_lengths_vary_by_more_than_a_factor_of_four()
    {
        // Half one-word answers, half essays: no typical length.
        var mixed = Enumerable.Range(0, 200).Select(i => ("m", "r", i % 3 == 0 ? 5 : i % 3 == 1 ? 300 : 6000)).ToArray();
        var result = Run(new LengthAnomalyDetector(), "Ok,", LengthBaselineTable.Build(mixed));
        Assert.True(result.Abstained, result.Explanation);
        Assert.Contains("vary too much", result.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Builds_the_same_baseline_on_two_consumers_reading_the_same_rows_in_any_order()
    {
        var a = LengthBaselineTable.Build(Rows);
        var b = LengthBaselineTable.Build(Rows.Reverse().OrderBy(r => r.Item3 % 7));
        Assert.Equal(a.For("m", "r"), b.For("m", "r"));
        Assert.Equal(LengthBaseline.From([1.0, 2.0, 3.0, 10.0]), LengthBaseline.From([10.0, 3.0, 1.0, 2.0]));
    }
}
