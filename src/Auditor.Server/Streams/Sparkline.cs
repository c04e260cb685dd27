using System.Globalization;
using Auditor.Review.Streams;

namespace Auditor.Server.Streams;

/// <summary>
/// The day's hourly flag rates as SVG polyline point lists for an inline sparkline (no script, presentation attributes
/// only, so the page's Content-Security-Policy holds). Hours without samples break the line; a lone hour is a dot.
/// </summary>
public sealed record Sparkline(IReadOnlyList<string> Lines, IReadOnlyList<(string X, string Y)> Dots, string Title)
{
    public const int Width = 96, Height = 22;

    public static Sparkline Of(FlagRateTrend trend)
    {
        var max = Math.Max(0.01, trend.Hourly.Max(r => r ?? 0));
        static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
        (string, string) Point(int i, double rate) =>
            (F(2 + i * (Width - 4) / (double)(FlagRateTrend.Hours - 1)), F(Height - 2 - rate / max * (Height - 4)));
        var lines = new List<string>();
        var dots = new List<(string, string)>();
        var run = new List<(string X, string Y)>();
        void Close()
        {
            if (run.Count == 1)
                dots.Add(run[0]);
            else if (run.Count > 1)
                lines.Add(string.Join(' ', run.Select(p => $"{p.X},{p.Y}")));
            run.Clear();
        }
        for (var i = 0; i < trend.Hourly.Count; i++)
        {
            if (trend.Hourly[i] is { } rate)
                run.Add(Point(i, rate));
            else
                Close();
        }
        Close();
        return new Sparkline(lines, dots, $"hourly flag rate over the last 24 hours (top of the box: {max.ToString("P1", CultureInfo.InvariantCulture)})");
    }
}
