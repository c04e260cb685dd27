using System.Text;
using Auditor.Detection.Features;
using Auditor.Detection.Reasoning;
using Auditor.Detection.Truncation;
using static Auditor.Detection.Tests.DetectorTestKit;

namespace Auditor.Detection.Tests;

// The truncation and reasoning detectors start their searches at the context's first '`', '<' or '◁': they must find
// every fence and tag a search from the start finds.
public class FenceOrTagMarkTests
{
    private static DetectionContext Context(string output)
    {
        var sample = Sample(output);
        return new DetectionContext(sample, FeatureExtractor.Extract(sample));
    }

    [Theory]
    [InlineData("", -1)]
    [InlineData("plain prose, nothing to see", -1)]
    [InlineData("a `tick`", 2)]
    [InlineData("x < y", 2)]
    [InlineData("\u25C1think\u25B7", 0)]
    [InlineData("\0 nul then ```", 11)]
    [InlineData("\uD83D\uDE00<think>", 2)]
    public void Finds_the_first_fence_or_tag_mark(string output, int expected) =>
        Assert.Equal(expected, Context(output).FirstFenceOrTagMark);

    [Fact]
    public void Finds_the_mark_after_lone_surrogates()
    {
        // Built in code: attribute data cannot carry a lone surrogate.
        var output = "\0" + '\uD800' + " lone " + '\uDC00' + " then ```";
        Assert.Equal(output.IndexOf('`'), Context(output).FirstFenceOrTagMark);
        Assert.Equal(15, Context(output).FirstFenceOrTagMark);
    }

    [Fact]
    public void The_cut_end_from_the_mark_is_the_cut_end_from_the_start_on_random_texts()
    {
        var random = new Random(6);
        string[] pieces = ["```", "``", "`", "<", "\u25C1", "<think>", "</think>", "text", " ", "\n", ",", "-", "a", "\0", "\uD800",
            "\uDC00", "\uD83D\uDE00", "\u212A", ":", "{"];
        for (var n = 0; n < 5000; n++)
        {
            var text = new StringBuilder();
            for (var k = random.Next(0, 14); k > 0; k--)
                text.Append(pieces[random.Next(pieces.Length)]);
            var output = text.ToString();
            var context = Context(output);
            var last = context.Features.LastNonWhitespace;
            Assert.Equal(CutEnd.Find(output, last), CutEnd.Find(output, last, context.FirstFenceOrTagMark));
        }
    }

    [Theory]
    [InlineData("Use `x` here. <think>still thinking", true)]       // a backtick first: the tag search goes on from it
    [InlineData("```python\nx = 1\n```\n<think>unclosed", true)]
    [InlineData("`a` \u25C1think\u25B7 hm \u25C1/think\u25B7 The answer.", false)] // closes, and an answer follows
    [InlineData("`a` </think>   ", true)]                            // closes with nothing after it
    [InlineData("`a` no tags at all", false)]
    public void The_reasoning_detector_finds_a_tag_after_an_earlier_mark(string output, bool flagged) =>
        Assert.Equal(flagged, Run(new ReasoningBlockDetector(), output).Flagged);
}
