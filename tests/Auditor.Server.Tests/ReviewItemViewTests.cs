using Auditor.Detection;
using Auditor.Server.Review;

namespace Auditor.Server.Tests;

/// <summary>The pure pieces of the review item page: loop folding, the "flagged by" line, per-detector marks, the markdown view.</summary>
public sealed class ReviewItemViewTests
{
    private static readonly string Loop = string.Concat(Enumerable.Repeat("Restart the router. ", 24)) + "Rest";

    [Fact]
    public void Finds_a_loop_unit_and_its_repeats_with_a_partial_last_repeat()
    {
        var text = "Intro. " + Loop;

        var fold = LoopFold.Find(text, 7, Loop.Length);

        Assert.NotNull(fold);
        Assert.Equal(("Restart the router. ".Length, 24), (fold.UnitLength, fold.Repeats));
        Assert.Equal(7 + 20, fold.HiddenStart);
        Assert.Equal(text.Length, fold.End);
    }

    [Theory]
    [InlineData("no repetition here at all, really", 0)]
    [InlineData("abcabc", 0)]
    [InlineData("", 0)]
    public void Finds_no_loop_in_text_that_does_not_repeat_enough(string text, int start)
    {
        Assert.Null(LoopFold.Find(text, start, text.Length));
    }

    [Fact]
    public void Clamps_a_span_that_reaches_past_the_text()
    {
        Assert.Null(LoopFold.Find("abab", 3, 1000));
        Assert.NotNull(LoopFold.Find("abababab", -5, 1000));
    }

    [Fact]
    public void Names_the_flagging_detectors_with_the_loop_shape()
    {
        var results = new[]
        {
            new DetectorResult("degeneration", 5, 1, true, [new EvidenceSpan(0, Loop.Length, "loop")], "loops"),
            new DetectorResult("empty", 0, 1, false, [], "fine"),
            new DetectorResult("truncation", 1, 1, true, [new EvidenceSpan(Loop.Length - 10, 10, "cut")], "cut"),
        };

        Assert.Equal("degeneration (loop of 20 chars x 24), truncation", FlagSummary.Of(Loop, results));
        Assert.Null(FlagSummary.Of(Loop, [results[1]]));
    }

    [Fact]
    public void Gives_each_flagging_detector_its_colour_and_folds_its_loop_only_when_results_may_show()
    {
        var results = new[]
        {
            new DetectorResult("degeneration", 5, 1, true, [new EvidenceSpan(0, Loop.Length, "loop")], "loops"),
            new DetectorResult("truncation", 1, 1, true, [new EvidenceSpan(Loop.Length - 4, 4, "cut")], "cut"),
        };

        var view = OutputView.Of(Loop, results, highlight: true);
        var blind = OutputView.Of(Loop, results, highlight: false);

        Assert.Equal([("degeneration", 0), ("truncation", 1)], view.Legend.Select(l => (l.Detector, l.Colour)));
        Assert.Single(view.Folds);
        Assert.Equal("truncation", view.Segments[^1].Marks[0].Detector); // the inner span's colour shows where they nest
        Assert.Equal(Loop, string.Concat(view.Segments.Select(s => s.Text)));
        Assert.Empty(blind.Legend);
        Assert.Empty(blind.Folds);
        Assert.All(blind.Segments, s => Assert.False(s.Highlighted));
    }

    [Fact]
    public void Renders_markdown_without_raw_html_or_unsafe_links()
    {
        var html = MarkdownView.Render("""
            | a | b |
            |---|---|
            | 1 | 2 |

            <script>alert(1)</script> <img src=x onerror=alert(2)>
            [x](javascript:alert(3)) [y](JaVaScRiPt&#58;alert(4)) [z](data:text/html,hi) ![i](https://example.test/p.png) <javascript:alert(5)>
            [ok](https://example.test/a) [rel](/samples)
            """)!;

        Assert.Contains("<table>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=\"javascript", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=\"data", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://example.test/a\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/samples\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://example.test/p.png\"", html, StringComparison.Ordinal); // an image becomes a link: nothing is fetched
    }

    [Fact]
    public void Offers_no_rendered_view_for_plain_text()
    {
        Assert.Null(MarkdownView.Render("Just a sentence.\nAnd another one."));
        Assert.NotNull(MarkdownView.Render("Some **bold** text."));
    }
}
