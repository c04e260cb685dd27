using Auditor.Detection.Features;

namespace Auditor.Detection.Drift;

/// <summary>An alert raised while replaying a stream, with the index of the sample after which it was raised.</summary>
public sealed record ReplayedAlert(int AfterSample, DriftAlert Alert)
{
    /// <summary>Simulated time of the alert.</summary>
    public DateTimeOffset At { get; init; }
}

/// <summary>
/// Replays a stream of outputs' features through the same path the server runs: score, add to the slot's sketch, and
/// every <c>evaluateEvery</c> samples test the open recent, hourly and daily windows together (as the monitor job does
/// each minute). Used by the simulation command and the tests.
/// </summary>
public static class DriftReplay
{
    public static IReadOnlyList<ReplayedAlert> Run(DriftModel model, IEnumerable<OutputFeatures> samples, DateTimeOffset start, TimeSpan interval,
        int evaluateEvery, WindowDriftOptions? options = null, bool stopAtFirst = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(samples);
        var sketches = new DriftWindowSketches();
        var alerts = new List<ReplayedAlert>();
        var raised = new HashSet<(string Kind, DateTimeOffset Start)>();
        var i = 0;
        foreach (var features in samples)
        {
            var at = start + interval * i;
            sketches.Observe(model, features, at);
            i++;
            if (i % evaluateEvery != 0)
                continue;
            var windows = OpenWindows(model, sketches.Snapshot(), at);
            foreach (var alert in WindowDriftEvaluator.Evaluate(windows, options))
            {
                // One alert per window, as the store keeps it, and no recent-window alert within an hour of the last one.
                if (!raised.Add((alert.WindowKind, alert.WindowStart)) || (alert.WindowKind == "recent" && alerts.Count > 0 && at - alerts[^1].At < TimeSpan.FromHours(1)))
                    continue;
                alerts.Add(new ReplayedAlert(i, alert) { At = at });
                if (stopAtFirst)
                    return alerts;
            }
            sketches.Prune(at.AddDays(-2));
        }
        return alerts;
    }

    /// <summary>
    /// The windows open at <paramref name="now"/>, each summed from the slot sketches of <paramref name="model"/>'s version:
    /// recent (this 10-minute slot and the one before, so an onset is not diluted by a long window's earlier traffic),
    /// the hour and the day.
    /// </summary>
    public static IReadOnlyList<DriftWindow> OpenWindows(DriftModel model, IEnumerable<(DriftSketchKey Key, DriftWindowCounts Counts)> sketches, DateTimeOffset now)
    {
        var t = now.UtcDateTime;
        var hour = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero);
        var day = new DateTimeOffset(t.Year, t.Month, t.Day, 0, 0, 0, TimeSpan.Zero);
        var mine = sketches.Where(s => s.Key.Model == model.Model && s.Key.Route == model.Route && s.Key.ModelVersion == model.Version).ToList();
        var windows = new List<DriftWindow>();
        var slot = DriftWindowSketches.SlotOf(now);
        foreach (var (kind, from, to) in new[] { ("recent", slot - DriftWindowSketches.SlotLength, slot + DriftWindowSketches.SlotLength), ("hourly", hour, hour.AddHours(1)), ("daily", day, day.AddDays(1)) })
        {
            var counts = mine.Where(s => s.Key.Slot >= from && s.Key.Slot < to).Select(s => s.Counts)
                .Aggregate(DriftWindowCounts.Empty(model), (a, b) => a.Plus(b));
            windows.Add(new DriftWindow(model, kind, from, to, counts));
        }
        return windows;
    }
}
