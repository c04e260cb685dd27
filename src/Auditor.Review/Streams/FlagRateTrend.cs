namespace Auditor.Review.Streams;

/// <summary>One hour of a stream's (or one deployment's) counters: samples counted and flagged.</summary>
public sealed record HourCount(DateTimeOffset Hour, long Total, long Flagged);

/// <summary>Samples and flags over a window, and their rate (null without samples).</summary>
public sealed record WindowRate(long Total, long Flagged)
{
    public double? Rate => Total == 0 ? null : (double)Flagged / Total;
}

/// <summary>Whether the last hour's flag rate stands out from the rest of the day.</summary>
public enum TrendDirection { Unknown, Steady, Rising, Falling }

/// <summary>
/// The flag rate of the last hour and the last day, the hourly rates of the day for a sparkline, and whether the last
/// hour differs from the day's other 22 hours by more than chance: a two-proportion z-test at |z| >= 2 (pooled
/// standard error), so a quiet stream with a few samples an hour does not show an arrow for noise. "Last hour" is the
/// current clock hour and the one before it (counters are hourly), "last day" the current hour and the 23 before it.
/// </summary>
public sealed record FlagRateTrend(WindowRate LastHour, WindowRate LastDay, IReadOnlyList<double?> Hourly, TrendDirection Direction, DateTimeOffset LastHourSince)
{
    public const int Hours = 24;

    public static FlagRateTrend Of(IEnumerable<HourCount> hours, DateTimeOffset now)
    {
        var current = new DateTimeOffset(now.UtcDateTime.Year, now.UtcDateTime.Month, now.UtcDateTime.Day, now.UtcDateTime.Hour, 0, 0, TimeSpan.Zero);
        var dayStart = current.AddHours(-(Hours - 1));
        var hourStart = current.AddHours(-1);
        var byHour = hours.Where(h => h.Hour >= dayStart && h.Hour <= current)
            .GroupBy(h => h.Hour).ToDictionary(g => g.Key, g => new WindowRate(g.Sum(h => h.Total), g.Sum(h => h.Flagged)));
        WindowRate Sum(Func<DateTimeOffset, bool> inWindow) => new(
            byHour.Where(h => inWindow(h.Key)).Sum(h => h.Value.Total), byHour.Where(h => inWindow(h.Key)).Sum(h => h.Value.Flagged));
        var lastHour = Sum(h => h >= hourStart);
        var rest = Sum(h => h < hourStart);
        var hourly = Enumerable.Range(0, Hours).Select(i => byHour.TryGetValue(dayStart.AddHours(i), out var w) ? w.Rate : null).ToList();
        return new FlagRateTrend(lastHour, Sum(_ => true), hourly, Compare(lastHour, rest), hourStart);
    }

    private static TrendDirection Compare(WindowRate recent, WindowRate before)
    {
        if (recent.Total == 0 || before.Total == 0)
            return TrendDirection.Unknown;
        var pooled = (double)(recent.Flagged + before.Flagged) / (recent.Total + before.Total);
        var se = Math.Sqrt(pooled * (1 - pooled) * (1.0 / recent.Total + 1.0 / before.Total));
        if (se == 0)
            return TrendDirection.Steady;
        var z = (recent.Rate!.Value - before.Rate!.Value) / se;
        return z >= 2 ? TrendDirection.Rising : z <= -2 ? TrendDirection.Falling : TrendDirection.Steady;
    }
}
