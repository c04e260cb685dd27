using Auditor.Review.Estimation;
using Auditor.Review.Reports;
using Auditor.Review.Routing;

namespace Auditor.Review.Tests.Reports;

public sealed class TopLineTests
{
    private static readonly IsoWeek Week = IsoWeek.Parse("2026-W47");
    private static readonly StreamKey Stream = new("llama", "support/answer");

    [Fact]
    public void Says_the_rate_its_interval_the_change_and_the_worst_deployment_in_one_sentence()
    {
        var worst = new DeploymentLine("llama", "chat", "h100-fp8-v2", 5000, 0.05, 400, new RateInterval(0.091, 0.060, 0.123, null));
        var better = new DeploymentLine("llama", "chat", "h100-fp8", 5000, 0.05, 400, new RateInterval(0.095, 0.020, 0.200, null));
        var change = RateChange.Between("2026-W46", new RateInterval(0.036, 0.032, 0.040, null), new RateInterval(0.042, 0.038, 0.047, null));

        var line = TopLine.Sentence(80_000, new RateInterval(0.042, 0.038, 0.047, null), change, TopLine.Worst([better, worst]));

        Assert.Equal("Silent-failure rate 4.20% (95% interval 3.80%–4.70%), up 0.6 points on 2026-W46 (+0.03 to +1.2); "
            + "worst deployment h100-fp8-v2 on llama/chat at 9.10% (6.00%–12.3%).", line);
    }

    [Fact]
    public void Compares_a_deployment_with_the_busiest_other_one_of_its_stream_in_words()
    {
        var old = new DeploymentLine("llama", "chat", "h100-fp8", 9000, 0.03, 400, new RateInterval(0.020, 0.012, 0.031, null));
        var v2 = new DeploymentLine("llama", "chat", "h100-fp8-v2", 1000, 0.09, 300, new RateInterval(0.081, 0.050, 0.120, null));
        var other = new DeploymentLine("qwen", "support", "a10", 500, 0.01, 50, new RateInterval(0.01, 0.001, 0.05, null));

        var comparison = Assert.Single(DeploymentComparison.Of([old, v2, other]));

        Assert.Equal(("h100-fp8-v2", "h100-fp8"), (comparison.Deployment, comparison.Against));
        Assert.StartsWith("h100-fp8-v2 fails 6.1 points more often than h100-fp8 (+2.", comparison.Words, StringComparison.Ordinal);
        Assert.True(comparison.Lower > 0 && comparison.Upper > comparison.Difference);
        Assert.Equal(0.06, comparison.FlagRateDifference!.Value, 9);
    }

    [Fact]
    public void Calls_a_change_inside_the_noise_no_clear_change()
    {
        var change = RateChange.Between("2026-W46", new RateInterval(0.040, 0.030, 0.050, null), new RateInterval(0.042, 0.032, 0.052, null))!;
        Assert.StartsWith("no clear change 0.2 points on 2026-W46 (-1.", change.Words(), StringComparison.Ordinal);
        Assert.True(change.Lower < 0 && change.Upper > 0);
    }

    [Fact]
    public void Advises_a_uniform_fraction_for_an_under_powered_stream_with_enough_traffic()
    {
        // 20,000 samples a week, 2% uniform, 4% failing: about 400 uniform reviews give +/-1.9 points.
        var (cell, items) = Cell(20_000, 0.02, 0.04);
        var advice = PowerAdvice.For(Stream, cell, items, EstimationOptions.Default);
        Assert.Matches(@"^Under-powered \(the interval is \+/-[0-9.]+ points\): raise the uniform fraction of llama/support/answer from 2% to [0-9.]+% for a \+/-1\.0 point interval", advice);
        var percent = double.Parse(System.Text.RegularExpressions.Regex.Match(advice, @"to ([0-9.]+)%").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(percent, 4, 12);
    }

    [Fact]
    public void Advises_pooling_weeks_when_no_fraction_is_enough_for_a_small_stream()
    {
        var (cell, items) = Cell(300, 0.05, 0.04);
        var advice = PowerAdvice.For(Stream, cell, items, EstimationOptions.Default);
        Assert.Contains("too few for a +/-1.0 point interval at any review fraction; pooled over", advice, StringComparison.Ordinal);
        Assert.DoesNotContain("more uniform reviews", advice, StringComparison.Ordinal);
    }

    private static (CellEstimate Cell, List<ReviewItem> Items) Cell(int samples, double uniform, double rate)
    {
        var hour = Week.StartUtc;
        var reviewed = (int)(samples * uniform);
        var items = Enumerable.Range(0, reviewed).Select(i => new ReviewItem($"s{i}", Stream, hour, ReviewStratum.Uniform, uniform, false, [],
            i < reviewed * rate ? ReviewVerdict.Failure : ReviewVerdict.Ok)).ToList();
        var counts = new[] { new StreamHourCounts(Stream, hour, samples, 0, samples, 0, new Dictionary<string, long>()) };
        return (WeeklyEstimator.EstimateCell(Stream, Week.Start, counts, items, new EstimationOptions(Draws: 2000)), items);
    }
}
