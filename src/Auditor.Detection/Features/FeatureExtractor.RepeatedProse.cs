namespace Auditor.Detection.Features;

// Prose said again word for word: a whole paragraph twice, or one long sentence line three times in a row. A separate pass
// over the lines, run only on outputs whose copy search or line scan already found repetition that could hold it.
public static partial class FeatureExtractor
{
    /// <summary>A prose paragraph counts from this many visible characters and <see cref="ProseParagraphWords"/> words (two or three sentences).</summary>
    public const int ProseParagraphChars = 200, ProseParagraphWords = 20;

    /// <summary>
    /// A prose line counts from this many visible characters and <see cref="ProseLineWords"/> words: a long sentence, longer
    /// than a line of verse (a song may sing one line three times running) or a heading.
    /// </summary>
    public const int ProseLineChars = 60, ProseLineWords = 10;

    /// <summary>A line is prose when letters and spaces make up this share of its visible characters (code, formulas and tables fall short).</summary>
    public const double ProseLetterShare = 0.8;

    /// <summary>The same prose line this many times in a row (blank lines between do not count) is a loop, wherever it stands.</summary>
    public const int ProseLineRepeats = 3;

    private readonly record struct RepeatedProse(int ParagraphStart, int ParagraphLength, int LineRun, int LineRunStart, int LineRunLength);

    private static readonly RepeatedProse NoRepeatedProse = new(-1, 0, 0, -1, 0);

    // The long lines seen so far in the current output, by a hash of their length and first 64 characters (start,
    // length, and whether the line was found not to be prose, so the letter count runs once per line); only used on the
    // gated path. A key shared by two different lines keeps the first (a repeat of the second is then missed: rare).
    [ThreadStatic] private static Dictionary<int, (int Start, int Length, bool NotProse)>? t_paragraphs;

    private const int ParagraphKeyChars = 64;

    // Lines are compared whole: a paragraph in markdown or chat output is one line. Lines inside code fences are skipped
    // (code given in two versions repeats long lines by design). The gates: a paragraph of 200 characters said twice is
    // one copy for the copy search, or two when its start was matched elsewhere first (the search then picks up the
    // source for the rest), so the longest copy reaches 100 characters; three identical lines in a row are a run the
    // line scan saw.
    private static RepeatedProse FindRepeatedProse(ReadOnlySpan<char> text, ReadOnlySpan<int> lineEnds, int longestCopy, int longestLineRun)
    {
        var paragraphs = longestCopy >= ProseParagraphChars / 2;
        var lines = longestLineRun >= ProseLineRepeats;
        if (!paragraphs && !lines)
            return NoRepeatedProse;

        var seen = t_paragraphs ??= [];
        seen.Clear();
        int paragraphStart = -1, paragraphLength = 0, bestRun = 0, bestRunStart = -1, bestRunLength = 0;
        int previousStart = -1, previousLength = 0, run = 0, runStart = -1;
        var runIsProse = false;
        var fenced = false;
        var pos = 0;
        foreach (var end in lineEnds)
        {
            var line = text[pos..end];
            var lead = line.IndexOfAnyExcept(" \t\r");
            if (lead >= 0)
            {
                var visible = line[lead..].TrimEnd(" \t\r");
                if (visible.StartsWith("```", StringComparison.Ordinal))
                {
                    fenced = !fenced;
                    (previousStart, run) = (-1, 0);
                }
                else if (!fenced)
                {
                    if (lines)
                    {
                        if (previousStart >= 0 && line.SequenceEqual(text.Slice(previousStart, previousLength)))
                        {
                            run++;
                        }
                        else
                        {
                            (run, runStart) = (1, pos + lead);
                        }
                        (previousStart, previousLength) = (pos, line.Length);
                        // Whether the line is prose is asked once, when its run reaches the limit.
                        if (run == ProseLineRepeats)
                            runIsProse = IsProse(visible, ProseLineChars, ProseLineWords);
                        if (runIsProse && run >= ProseLineRepeats && run > bestRun)
                            (bestRun, bestRunStart, bestRunLength) = (run, runStart, pos + lead + visible.Length - runStart);
                    }
                    // Every long line is remembered by its hash; whether it is a prose paragraph is asked only of a line
                    // that repeats one (rare), so the letter count runs on almost nothing.
                    if (paragraphs && visible.Length >= ProseParagraphChars && visible.Length > paragraphLength)
                    {
                        var start = pos + lead;
                        var hash = HashCode.Combine(visible.Length, string.GetHashCode(visible[..ParagraphKeyChars], StringComparison.Ordinal));
                        if (!seen.TryGetValue(hash, out var earlier))
                        {
                            seen.Add(hash, (start, visible.Length, false));
                        }
                        else if (!earlier.NotProse && earlier.Length == visible.Length && visible.SequenceEqual(text.Slice(earlier.Start, earlier.Length)))
                        {
                            if (!IsListItemOrHeading(visible) && IsProse(visible, ProseParagraphChars, ProseParagraphWords))
                                (paragraphStart, paragraphLength) = (start, visible.Length);
                            else
                                seen[hash] = earlier with { NotProse = true };
                        }
                    }
                }
            }
            pos = end + 1;
        }
        return new RepeatedProse(paragraphStart, paragraphLength, bestRun, bestRunStart, bestRunLength);
    }

    // List items and headings are the units structured answers share by design: the steps two methods have in common,
    // per-item boilerplate, a reference cited twice. A paragraph of running prose is none of them.
    private static bool IsListItemOrHeading(ReadOnlySpan<char> visible)
    {
        if (visible[0] is '-' or '*' or '+' or '#' or '>' or '\u2022')
            return true;
        var digits = 0;
        while (digits < visible.Length && char.IsAsciiDigit(visible[digits]))
            digits++;
        return digits > 0 && digits < visible.Length && visible[digits] is '.' or ')';
    }

    // Prose: at least minChars visible characters, letters and spaces at least ProseLetterShare of them, and minWords
    // words (runs of letters and digits; each CJK, kana or hangul character is a word, as in the word tokens).
    private static bool IsProse(ReadOnlySpan<char> visible, int minChars, int minWords)
    {
        if (visible.Length < minChars)
            return false;
        int letters = 0, words = 0;
        var inWord = false;
        foreach (var c in visible)
        {
            var letter = char.IsLetter(c);
            if (letter || c == ' ')
                letters++;
            if (c is >= '\u3040' and <= '\u30FF' or >= '\u3400' and <= '\u4DBF' or >= '\u4E00' and <= '\u9FFF' or >= '\uAC00' and <= '\uD7AF' or >= '\uF900' and <= '\uFAFF')
            {
                words++;
                inWord = false;
            }
            else if (letter || char.IsDigit(c))
            {
                words += inWord ? 0 : 1;
                inWord = true;
            }
            else
            {
                inWord = false;
            }
        }
        return letters >= ProseLetterShare * visible.Length && words >= minWords;
    }
}
