using System.Globalization;
using System.Net;
using System.Text;

namespace Auditor.Review.Reports;

/// <summary>
/// The failure rate of the trend weeks as an SVG line with its 95% interval as a band, and the flag rate as a dashed
/// line. Hand-written rather than ScottPlot: ScottPlot 5 draws through SkiaSharp's native library, which would make
/// this pure project (and the CLI) carry a native dependency for one line chart; plain SVG is deterministic, tiny, and
/// needs no inline style (presentation attributes only), so it passes the UI's Content-Security-Policy.
/// Every week is also drawn as a point (failure rate with its interval as a bar, flag rate as a square), so a chart
/// with one week of data shows it; the title and the legend have a line each, so a long stream name cannot run into it.
/// </summary>
public static class RateChart
{
    private const int Width = 560, Height = 196, Left = 48, Right = 12, Top = 42, Bottom = 28;

    public static string Svg(IReadOnlyList<WeekPoint> weeks, string title)
    {
        var max = weeks.SelectMany(w => new[] { w.FailureRate.Value is null ? 0 : w.FailureRate.Upper, w.FlagRate ?? 0 }).DefaultIfEmpty(0).Max();
        max = NiceCeiling(Math.Max(max, 0.01));
        // One week sits in the middle of the plot rather than on the axis.
        double X(int i) => weeks.Count == 1 ? (Left + Width - Right) / 2.0 : Left + i * (Width - Left - Right) / (double)(weeks.Count - 1);
        double Y(double v) => Top + (1 - Math.Clamp(v / max, 0, 1)) * (Height - Top - Bottom);
        static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\" font-family=\"sans-serif\" font-size=\"11\">");
        svg.Append($"<title>{WebUtility.HtmlEncode(title)}</title>");
        svg.Append($"<text x=\"{Left}\" y=\"14\" fill=\"#1d2330\" font-weight=\"bold\">{WebUtility.HtmlEncode(Shorten(title))}</text>");
        svg.Append($"<text x=\"{Left}\" y=\"30\" fill=\"#5b6475\">● failure rate (bar and band: 95% interval)   ■ - - flag rate</text>");
        foreach (var tick in new[] { 0, max / 2, max })
        {
            svg.Append($"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{F(Y(tick))}\" y2=\"{F(Y(tick))}\" stroke=\"#d9dde5\"/>");
            svg.Append($"<text x=\"{Left - 4}\" y=\"{F(Y(tick) + 4)}\" text-anchor=\"end\" fill=\"#5b6475\">{Text.Percent(tick)}</text>");
        }
        for (var i = 0; i < weeks.Count; i++)
            svg.Append($"<text x=\"{F(X(i))}\" y=\"{Height - 8}\" text-anchor=\"middle\" fill=\"#5b6475\">{WebUtility.HtmlEncode(weeks[i].Week[5..])}</text>");

        // The band covers every week with an interval (a week with unknown strata shows its bounds too); the line only known points.
        var banded = weeks.Select((w, i) => (w, i)).Where(p => p.w.Samples > 0).ToList();
        foreach (var (w, i) in banded)
        {
            var (x, top, bottom) = (F(X(i)), F(Y(w.FailureRate.Upper)), F(Y(w.FailureRate.Lower)));
            svg.Append($"<path d=\"M{x},{top}V{bottom}M{F(X(i) - 4)},{top}h8M{F(X(i) - 4)},{bottom}h8\" stroke=\"#2f5bd3\" stroke-opacity=\"0.6\" fill=\"none\"><title>{WebUtility.HtmlEncode(w.Week)}: 95% interval {Text.Interval(w.FailureRate)}</title></path>");
        }
        if (banded.Count > 1)
        {
            var upper = banded.Select(p => $"{F(X(p.i))},{F(Y(p.w.FailureRate.Upper))}");
            var lower = banded.AsEnumerable().Reverse().Select(p => $"{F(X(p.i))},{F(Y(p.w.FailureRate.Lower))}");
            svg.Append($"<polygon points=\"{string.Join(' ', upper.Concat(lower))}\" fill=\"#2f5bd3\" fill-opacity=\"0.18\" stroke=\"none\"><title>95% interval</title></polygon>");
        }
        var known = weeks.Select((w, i) => (w, i)).Where(p => p.w.FailureRate.Value is not null).ToList();
        if (known.Count > 0)
        {
            svg.Append($"<polyline points=\"{string.Join(' ', known.Select(p => $"{F(X(p.i))},{F(Y(p.w.FailureRate.Value!.Value))}"))}\" fill=\"none\" stroke=\"#2f5bd3\" stroke-width=\"2\"/>");
            foreach (var (w, i) in known)
                svg.Append($"<circle cx=\"{F(X(i))}\" cy=\"{F(Y(w.FailureRate.Value!.Value))}\" r=\"3\" fill=\"#2f5bd3\"><title>{WebUtility.HtmlEncode(w.Week)}: failure rate {Text.Interval(w.FailureRate)}</title></circle>");
        }
        var flags = weeks.Select((w, i) => (w, i)).Where(p => p.w.FlagRate is not null).ToList();
        if (flags.Count > 1)
            svg.Append($"<polyline points=\"{string.Join(' ', flags.Select(p => $"{F(X(p.i))},{F(Y(p.w.FlagRate!.Value))}"))}\" fill=\"none\" stroke=\"#b3261e\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"><title>flag rate</title></polyline>");
        foreach (var (w, i) in flags)
            svg.Append($"<rect x=\"{F(X(i) - 3)}\" y=\"{F(Y(w.FlagRate!.Value) - 3)}\" width=\"6\" height=\"6\" fill=\"#b3261e\"><title>{WebUtility.HtmlEncode(w.Week)}: flag rate {Text.Percent(w.FlagRate)}</title></rect>");
        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>A title longer than the chart's width is cut (the full title stays in the SVG's title element).</summary>
    private static string Shorten(string title) => title.Length <= 80 ? title : title[..(char.IsHighSurrogate(title[78]) ? 78 : 79)] + "…";

    private static double NiceCeiling(double v)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(v)));
        foreach (var step in new[] { 1, 2, 2.5, 5, 10 })
            if (step * magnitude >= v)
                return step * magnitude;
        return 10 * magnitude;
    }
}
