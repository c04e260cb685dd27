using System.Globalization;
using Auditor.Contracts;
using Auditor.Detection.Features;
using Auditor.Detection.Truncation;

namespace Auditor.Detection.Tests;

public class EmptyAndTruncationDetectorTests
{
    private static readonly DetectorRegistry Registry = new(DetectorRegistry.Builtin(), new DefaultDetectorSettings());

    private static OutputSample Sample(string output, string? finishReason = "stop", int? completion = null, int? max = null) => new()
    {
        SampleId = "s", OccurredAt = DateTimeOffset.UtcNow, Model = "m", Route = "r",
        Output = output, FinishReason = finishReason, CompletionTokens = completion, MaxTokens = max,
    };

    private static DetectorResult Result(OutputSample sample, string detector) =>
        Registry.Inspect(sample).Results.Single(r => r.Detector == detector);

    [Fact]
    public void Flags_an_empty_output_with_evidence_and_explanation()
    {
        var result = Result(Sample(""), "empty");

        Assert.True(result.Flagged);
        Assert.Equal(new EvidenceSpan(0, 0, "empty output"), Assert.Single(result.Evidence));
        Assert.Contains("empty", result.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_a_whitespace_only_output_and_points_at_all_of_it()
    {
        var result = Result(Sample(" \n\t  "), "empty");

        Assert.True(result.Flagged);
        Assert.Equal(new EvidenceSpan(0, 5, "white space only"), Assert.Single(result.Evidence));
    }

    [Theory]
    [InlineData("Yes.")]
    [InlineData("42")]
    [InlineData("{\"ok\":true}")]
    public void Does_not_flag_a_short_real_answer_as_empty(string output)
    {
        Assert.False(Result(Sample(output), "empty").Flagged);
    }

    [Fact]
    public void Flags_an_output_stopped_at_the_length_limit_and_highlights_where_it_was_cut()
    {
        var output = "The three reasons are: first, the cache was too small; second, the batch";
        var result = Result(Sample(output, finishReason: "length"), "truncation");

        Assert.True(result.Flagged);
        var span = Assert.Single(result.Evidence);
        Assert.Equal(output.Length, span.Start + span.Length);
        Assert.Equal("the cache was too small; second, the batch"[^40..], output.Substring(span.Start, span.Length));
        Assert.Contains("token limit", result.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_an_output_that_used_its_whole_token_budget_even_without_a_finish_reason()
    {
        var result = Result(Sample("def f(x):\n    return", finishReason: null, completion: 512, max: 512), "truncation");

        Assert.True(result.Flagged);
        Assert.Contains("512 of 512", result.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Does_not_flag_an_answer_that_ended_on_its_own_within_budget()
    {
        var result = Result(Sample("Paris.", completion: 3, max: 512), "truncation");

        Assert.False(result.Flagged);
        Assert.Empty(result.Evidence);
        Assert.True(result.Score < result.Threshold);
    }

    [Fact]
    public void The_budget_sentence_is_the_same_whatever_the_host_culture()
    {
        var sample = Sample("Paris is the capital of France.", completion: 375, max: 512);
        var before = CultureInfo.CurrentCulture;
        try
        {
            // A culture that writes percentages its own way (built by hand: the tests may run without ICU cultures).
            var odd = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            odd.NumberFormat.PercentSymbol = "pct";
            odd.NumberFormat.PercentPositivePattern = 0;
            CultureInfo.CurrentCulture = odd;
            var underOdd = Result(sample, "truncation").Explanation;
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            Assert.Equal(Result(sample, "truncation").Explanation, underOdd);
            Assert.Contains("73 %", underOdd, StringComparison.Ordinal);
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }

    [Fact]
    public void An_output_flagged_below_the_limit_by_a_lowered_threshold_says_close_to_the_limit()
    {
        var sample = Sample("An answer that ran long and then stopped.", completion: 500, max: 512);
        var result = new TruncationDetector().Evaluate(new DetectionContext(sample, FeatureExtractor.Extract(sample)), new DetectorSettings(true, 0.95));

        Assert.True(result.Flagged);
        Assert.Equal("output ends here, close to the token limit", Assert.Single(result.Evidence).Note);
    }

    [Fact]
    public void Two_detectors_with_one_name_are_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => new DetectorRegistry(
            [new Empty.EmptyOutputDetector(), new Empty.EmptyOutputDetector()], new DefaultDetectorSettings()));
        Assert.Contains("'empty'", ex.Message, StringComparison.Ordinal);
    }
}

public class FreshThreadTests
{
    [Theory]
    [InlineData("")]
    [InlineData("x")]
    [InlineData("   ")]
    public void Extracts_features_of_a_tiny_output_as_the_first_output_on_a_new_thread(string output)
    {
        Exception? failure = null;
        Features.OutputFeatures? features = null;
        // Per-thread scratch buffers start empty: the first output a consumer thread sees may be an empty one.
        var thread = new Thread(() =>
        {
            try { features = Features.FeatureExtractor.Extract(new Auditor.Contracts.OutputSample { Output = output }); }
            catch (Exception ex) { failure = ex; }
        });
        thread.Start();
        thread.Join();

        Assert.Null(failure);
        Assert.Equal(output.Length, features!.CharLength);
    }
}
