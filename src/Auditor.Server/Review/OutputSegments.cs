using Auditor.Detection;

namespace Auditor.Server.Review;

/// <summary>A stretch of output text, highlighted with the notes of the evidence spans that cover it (none: plain text).</summary>
public sealed record OutputSegment(string Text, IReadOnlyList<string> Notes)
{
    public bool Highlighted => Notes.Count > 0;
}

/// <summary>
/// Cuts an output into segments at every evidence boundary, so the page can wrap highlighted stretches in marks.
/// Spans are clamped to the text (a stored span never makes the page fail); the text itself is never interpreted.
/// </summary>
public static class OutputSegments
{
    public static IReadOnlyList<OutputSegment> Split(string output, IEnumerable<EvidenceSpan> evidence)
    {
        var spans = evidence
            .Select(e => (Start: Math.Clamp(e.Start, 0, output.Length), End: Math.Clamp(e.Start + Math.Max(0, e.Length), 0, output.Length), e.Note))
            .Where(s => s.End > s.Start)
            .ToList();
        var cuts = spans.SelectMany(s => new[] { s.Start, s.End }).Append(0).Append(output.Length).Distinct().Order().ToList();
        var segments = new List<OutputSegment>(cuts.Count);
        for (var i = 0; i + 1 < cuts.Count; i++)
        {
            var (from, to) = (cuts[i], cuts[i + 1]);
            var notes = spans.Where(s => s.Start <= from && s.End >= to).Select(s => s.Note).Distinct().ToList();
            segments.Add(new OutputSegment(output[from..to], notes));
        }
        return segments;
    }
}
