using Auditor.Detection;

namespace Auditor.Server.Review;

/// <summary>An output with the evidence to highlight (none in blind mode).</summary>
public sealed record OutputView(string Text, IReadOnlyList<OutputSegment> Segments)
{
    public static OutputView Of(string text, IEnumerable<DetectorResult> results, bool highlight) =>
        new(text, OutputSegments.Split(text, highlight ? results.Where(r => r.Flagged).SelectMany(r => r.Evidence) : []));
}
