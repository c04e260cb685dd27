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
    public void Flags_too_short_and_too_long_outputs()
    {
        var table = LengthBaselineTable.Build(Rows);
        Assert.True(Run(new LengthAnomalyDetector(), "Ok", table).Flagged);
        Assert.True(Run(new LengthAnomalyDetector(), new string('x', 200_000), table).Flagged);
        Assert.False(Run(new LengthAnomalyDetector(), new string('x', 700), table).Flagged);
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
