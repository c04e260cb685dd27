using Auditor.Detection;

namespace Auditor.Server.Review;

/// <summary>An output with the evidence to highlight (none in blind mode); <paramref name="Captured"/> false when the publisher sent no text.</summary>
public sealed record OutputView(string Text, IReadOnlyList<OutputSegment> Segments, bool Captured = true)
{
    public static OutputView Of(string text, IEnumerable<DetectorResult> results, bool highlight, bool captured = true) =>
        new(text, OutputSegments.Split(text, highlight ? results.Where(r => r.Flagged).SelectMany(r => r.Evidence) : []), captured);
}
