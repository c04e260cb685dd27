using System.Text;
using Auditor.Storage.Samples;

namespace Auditor.Server.Samples;

/// <summary>A stretch of a snippet: plain, inside a detector's evidence (with its notes), or a match of the search.</summary>
public sealed record SnippetSegment(string Text, IReadOnlyList<string> Evidence, bool Hit);

/// <summary>
/// A few lines of an output for a search result, around the first search match (else the first evidence, else the
/// start), cut at word boundaries, with the evidence and the matches marked. Pure: the page encodes every segment.
/// </summary>
public sealed record SampleSnippet(bool CutBefore, IReadOnlyList<SnippetSegment> Segments, bool CutAfter)
{
    public const int Width = 240, Lead = 60;

    /// <summary>How far a cut may move to reach white space before it gives up (one unbroken token longer than this is cut inside).</summary>
    private const int WordReach = 40;

    /// <summary>The snippet as plain text, for the API ("…" where the output goes on).</summary>
    public string Plain => (CutBefore ? "…" : "") + string.Concat(Segments.Select(s => s.Text)) + (CutAfter ? "…" : "");

    public static SampleSnippet Of(string text, IEnumerable<ListedEvidence> evidence, SampleTextQuery? search, long outputLength)
    {
        var hits = Hits(text, search).ToList();
        var spans = evidence
            .Select(e => (Start: Math.Clamp(e.Span.Start, 0, text.Length), End: Math.Clamp(e.Span.Start + Math.Max(0, e.Span.Length), 0, text.Length),
                Note: $"{e.Detector}: {e.Span.Note}"))
            .Where(s => s.End > s.Start)
            .ToList();
        var anchor = hits.Count > 0 ? hits.Min(h => h.Start) : spans.Count > 0 ? spans.Min(s => s.Start) : 0;

        var start = WordStart(text, Math.Max(0, anchor - Lead));
        var end = WordEnd(text, Math.Min(text.Length, start + Width), anchor);
        var cuts = spans.SelectMany(s => new[] { s.Start, s.End }).Concat(hits.SelectMany(h => new[] { h.Start, h.End }))
            .Where(c => c > start && c < end).Append(start).Append(end).Distinct().Order().ToList();
        var segments = new List<SnippetSegment>();
        for (var i = 0; i + 1 < cuts.Count; i++)
        {
            var (from, to) = (cuts[i], cuts[i + 1]);
            var notes = spans.Where(s => s.Start <= from && s.End >= to).Select(s => s.Note).Distinct().ToList();
            var hit = hits.Any(h => h.Start <= from && h.End >= to);
            segments.Add(new SnippetSegment(Flatten(text[from..to]), notes, hit));
        }
        return new SampleSnippet(start > 0, segments, end < outputLength);
    }

    /// <summary>Where the search's terms occur (case-insensitive); a phrase that does not occur as written is looked for word by word.</summary>
    private static IEnumerable<(int Start, int End)> Hits(string text, SampleTextQuery? search)
    {
        if (search is null)
            yield break;
        foreach (var term in search.Terms)
        {
            var needles = text.Contains(term, StringComparison.OrdinalIgnoreCase) ? [term] : Words(term);
            foreach (var needle in needles)
            {
                var at = 0;
                for (var n = 0; n < 20 && (at = text.IndexOf(needle, at, StringComparison.OrdinalIgnoreCase)) >= 0; n++, at += needle.Length)
                    yield return (at, at + needle.Length);
            }
        }
    }

    private static List<string> Words(string term)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        foreach (var c in term.Append(' '))
        {
            if (char.IsLetterOrDigit(c))
                word.Append(c);
            else if (word.Length > 0)
            {
                words.Add(word.ToString());
                word.Clear();
            }
        }
        return words;
    }

    /// <summary>Moves a start back to the beginning of its word (never into a surrogate pair).</summary>
    private static int WordStart(string text, int start)
    {
        for (var i = start; i > 0 && start - i <= WordReach; i--)
        {
            if (char.IsWhiteSpace(text[i - 1]))
                return i;
        }
        return start > 0 && char.IsLowSurrogate(text[start]) ? start - 1 : start;
    }

    /// <summary>Moves an end back to the end of its word, not before <paramref name="floor"/> (never into a surrogate pair).</summary>
    private static int WordEnd(string text, int end, int floor)
    {
        if (end >= text.Length)
            return text.Length;
        for (var i = end; i > floor && end - i <= WordReach; i--)
        {
            if (char.IsWhiteSpace(text[i]))
                return i;
        }
        return char.IsLowSurrogate(text[end]) ? end - 1 : end;
    }

    /// <summary>Line breaks and runs of white space as one space, so a snippet stays a few lines high.</summary>
    private static string Flatten(string s)
    {
        var b = new StringBuilder(s.Length);
        var space = false;
        foreach (var c in s)
        {
            if (char.IsWhiteSpace(c))
            {
                if (!space)
                    b.Append(' ');
                space = true;
            }
            else
            {
                b.Append(c);
                space = false;
            }
        }
        return b.ToString();
    }
}
