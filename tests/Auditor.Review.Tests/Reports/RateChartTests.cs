using System.Xml.Linq;
using Auditor.Review.Reports;

namespace Auditor.Review.Tests.Reports;

public sealed class RateChartTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void Draws_a_single_week_as_points_with_its_interval()
    {
        var week = new WeekPoint("2026-W49", new DateOnly(2026, 11, 30), 500, 0.08, new RateInterval(0.05, 0.03, 0.08, null), 40);

        var svg = XDocument.Parse(RateChart.Svg([week], "All streams: failure rate, last 8 weeks"));

        Assert.Single(svg.Descendants(Svg + "circle"));
        Assert.Single(svg.Descendants(Svg + "rect"));
        Assert.Single(svg.Descendants(Svg + "path"));
        // The point sits inside the plot, not on the axis.
        Assert.True(double.Parse(svg.Descendants(Svg + "circle").Single().Attribute("cx")!.Value, System.Globalization.CultureInfo.InvariantCulture) > 200);
    }

    [Fact]
    public void Keeps_the_title_and_the_legend_on_separate_lines()
    {
        var weeks = Enumerable.Range(0, 8).Select(i => new WeekPoint($"2026-W{42 + i}", new DateOnly(2026, 10, 12).AddDays(7 * i), 100, 0.1,
            new RateInterval(0.05, 0.02, 0.09, null), 10)).ToList();
        var title = "a-very-long-model-name-for-a-fine-tuned-build/support/answer-with-tools: failure rate, last 8 weeks";

        var texts = XDocument.Parse(RateChart.Svg(weeks, title)).Root!.Elements(Svg + "text").Take(2).ToList();

        Assert.NotEqual(texts[0].Attribute("y")!.Value, texts[1].Attribute("y")!.Value);
        Assert.Contains("flag rate", texts[1].Value, StringComparison.Ordinal);
        Assert.True(texts[0].Value.Length <= 80);
    }
}
