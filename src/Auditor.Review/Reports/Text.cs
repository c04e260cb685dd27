using System.Globalization;

namespace Auditor.Review.Reports;

/// <summary>Number formats shared by the renderers (invariant culture: a report reads the same everywhere).</summary>
internal static class Text
{
    public static string Percent(double? value) => value is { } v ? (v * 100).ToString(v < 0.1 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + "%" : "–";

    public static string Number(double value) => value.ToString("#,0.#", CultureInfo.InvariantCulture);

    public static string Duration(double minutes) => minutes < 90
        ? $"{minutes.ToString("0", CultureInfo.InvariantCulture)} min"
        : minutes < 48 * 60 ? $"{(minutes / 60).ToString("0.0", CultureInfo.InvariantCulture)} h" : $"{(minutes / 1440).ToString("0.0", CultureInfo.InvariantCulture)} d";

    public static string Interval(RateInterval r) => r.AtLeast
        ? $"at least {Percent(r.Lower)} (no missed failure found)"
        : r.Value is null
        ? $"unknown (bounds {Percent(r.Lower)}–{Percent(r.Upper)})"
        : $"{Percent(r.Value)} ({Percent(r.Lower)}–{Percent(r.Upper)})";

    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture);
}
