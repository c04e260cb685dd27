using Auditor.Review.Calibration;
using Auditor.Review.Estimation;
using Auditor.Review.Verdicts;

namespace Auditor.Review.Tests.Verdicts;

public class SettledVerdictTests
{
    private static CastVerdict[] Cast(params string[] verdicts) =>
        verdicts.Select((v, n) => new CastVerdict($"r{n}", v, v == "failure" ? (n % 2 == 0 ? "loop" : "truncation") : null)).ToArray();

    [Theory]
    [InlineData(new[] { "failure" }, ReviewVerdict.Failure)]
    [InlineData(new[] { "ok" }, ReviewVerdict.Ok)]
    [InlineData(new[] { "unsure" }, ReviewVerdict.Unsure)]
    [InlineData(new[] { "failure", "failure" }, ReviewVerdict.Failure)]
    [InlineData(new[] { "failure", "ok" }, ReviewVerdict.Unsure)]
    [InlineData(new[] { "failure", "unsure" }, ReviewVerdict.Unsure)]
    [InlineData(new[] { "ok", "unsure" }, ReviewVerdict.Unsure)]
    [InlineData(new[] { "failure", "failure", "ok" }, ReviewVerdict.Failure)]
    [InlineData(new[] { "failure", "ok", "unsure" }, ReviewVerdict.Unsure)]
    public void Settles_by_strict_majority_with_unsure_as_a_vote(string[] verdicts, ReviewVerdict expected) =>
        Assert.Equal(expected, SettledVerdict.Settle(Cast(verdicts), done: true)!.Verdict);

    [Fact]
    public void Has_no_verdict_before_the_item_is_done_or_without_verdicts()
    {
        Assert.Null(SettledVerdict.Settle(Cast("failure"), done: false));
        Assert.Null(SettledVerdict.Settle([], done: true));
    }

    [Fact]
    public void Takes_the_most_common_failure_category_and_other_when_none_was_given()
    {
        var settled = SettledVerdict.Settle([new("a", "failure", "loop"), new("b", "failure", "loop"), new("c", "failure", "truncation")], done: true)!;
        Assert.Equal("loop", settled.Category);
        Assert.Equal("other", SettledVerdict.Settle([new("a", "failure", null)], done: true)!.Category);
        Assert.Null(SettledVerdict.Settle([new("a", "ok", null)], done: true)!.Category);
    }

    [Fact]
    public void Calibration_leaves_out_an_item_settled_unsure_and_one_not_done()
    {
        ReviewedScore Score(long id, bool done, params string[] verdicts) => new(id, "degeneration", "m", "r", 0.5, 0.02, done, Cast(verdicts));
        var labels = Assert.Single(StreamLabels.From([Score(1, true, "failure", "unsure"), Score(2, true, "failure"), Score(3, false, "ok"), Score(4, true, "ok", "ok")]));
        Assert.Equal([true, false], labels.Labels.Select(l => l.Failure));
    }
}
