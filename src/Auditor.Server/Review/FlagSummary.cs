using System.Globalization;
using Auditor.Detection;

namespace Auditor.Server.Review;

/// <summary>
/// The item page's top line: which detectors flagged an output, in the order they ran, with the shape of a loop when
/// degeneration found one: "degeneration (loop of 83 chars x 24), truncation".
/// </summary>
public static class FlagSummary
{
    /// <summary>The summary, or null when no detector flagged the output.</summary>
    public static string? Of(string output, IEnumerable<DetectorResult> results)
    {
        var parts = results.Where(r => r.Flagged).Select(r => r.Detector == "degeneration" && Loop(output, r) is { } loop
            ? string.Create(CultureInfo.InvariantCulture, $"{r.Detector} (loop of {loop.UnitLength} chars x {loop.Repeats})")
            : r.Detector).ToList();
        return parts.Count == 0 ? null : string.Join(", ", parts);
    }

    private static LoopFold? Loop(string output, DetectorResult result) =>
        result.Evidence.Select(e => LoopFold.Find(output, e.Start, e.Length)).FirstOrDefault(f => f is not null);
}
