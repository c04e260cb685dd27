using Auditor.Detection;

namespace Auditor.Server.Review;

/// <summary>One detector's evidence note on a stretch of output.</summary>
public sealed record EvidenceMark(string Detector, string Note);

/// <summary>
/// A stretch of output text, with the evidence marks that cover it (none: plain text). <paramref name="Fold"/> is the
/// index of the collapsed loop it belongs to (-1: shown as is).
/// </summary>
public sealed record OutputSegment(string Text, IReadOnlyList<EvidenceMark> Marks, int Fold = -1)
{
    public bool Highlighted => Marks.Count > 0;

    public IReadOnlyList<string> Notes => Marks.Select(m => m.Note).Distinct().ToList();
}

/// <summary>
/// Cuts an output into segments at every evidence boundary (and at the edges of collapsed loops), so the page can wrap
/// highlighted stretches in marks. Spans are clamped to the text (a stored span never makes the page fail); the text
/// itself is never interpreted.
/// </summary>
public static class OutputSegments
{
    public static IReadOnlyList<OutputSegment> Split(string output, IEnumerable<EvidenceSpan> evidence) =>
        Split(output, evidence.Select(e => (string.Empty, e)), []);

    public static IReadOnlyList<OutputSegment> Split(string output, IEnumerable<(string Detector, EvidenceSpan Span)> evidence, IReadOnlyList<LoopFold> folds)
    {
        var spans = evidence
            .Select(e => (Start: Clamp(e.Span.Start, output), End: Clamp(e.Span.Start + Math.Max(0, e.Span.Length), output), Mark: new EvidenceMark(e.Detector, e.Span.Note)))
            .Where(s => s.End > s.Start)
            .ToList();
        var cuts = spans.SelectMany(s => new[] { s.Start, s.End })
            .Concat(folds.SelectMany(f => new[] { f.HiddenStart, f.End }))
            .Append(0).Append(output.Length).Distinct().Order().ToList();
        var segments = new List<OutputSegment>(cuts.Count);
        for (var i = 0; i + 1 < cuts.Count; i++)
        {
            var (from, to) = (cuts[i], cuts[i + 1]);
            if (to <= from)
                continue;
            // The narrowest span first: where evidence nests (a truncated tail inside a loop), the inner one's colour shows.
            var marks = spans.Where(s => s.Start <= from && s.End >= to).OrderBy(s => s.End - s.Start).Select(s => s.Mark).Distinct().ToList();
            var fold = folds.Select((f, n) => (f, n)).FirstOrDefault(x => x.f.HiddenStart <= from && x.f.End >= to && x.f.End > x.f.HiddenStart, (default!, -1)).Item2;
            segments.Add(new OutputSegment(output[from..to], marks, fold));
        }
        return segments;
    }

    private static int Clamp(int offset, string output) => Math.Clamp(offset, 0, output.Length);
}
