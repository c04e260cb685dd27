using System.Buffers;

namespace Auditor.Detection.Length;

/// <summary>
/// Length against what the prompt asks for, where the prompt fixes it: a poem in a fixed form (a sonnet has 14 lines, a
/// haiku 3, a limerick 5, a villanelle 19). An answer whose poem runs to <see cref="OverLimit"/> times the form's
/// length, even when each stanza is read as one asked line, did not stop where the request did: a runaway list in
/// verse (a "sonnet" that walks the whole periodic table). The length detector's sign <c>requestedForm</c>.
/// </summary>
public static class RequestedForm
{
    /// <summary>Three poems' worth where one was asked for; two could be a second version offered.</summary>
    public const int OverLimit = 3;

    /// <summary>A verse line is at most this many visible characters: longer lines are prose (an explanation, an introduction).</summary>
    public const int VerseLineChars = 80;

    /// <summary>
    /// No poem reaches the limit in fewer lines: three times the shortest form (a haiku's 3), each unit at least a line.
    /// The prompt is not searched for outputs with fewer lines.
    /// </summary>
    public const int MinimumLines = OverLimit * 3;

    private static readonly (string Name, int Lines)[] s_forms = [("sonnet", 14), ("haiku", 3), ("limerick", 5), ("villanelle", 19)];

    private static readonly SearchValues<string> s_formWords =
        SearchValues.Create(["sonnet", "haiku", "limerick", "villanelle"], StringComparison.OrdinalIgnoreCase);

    private static readonly string[] s_countWords =
        ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "several", "some", "few", "many", "multiple"];

    /// <summary>What the prompt asked for and how long the answer's poem is; <see cref="Asked"/> is 0 when the prompt fixes no length.</summary>
    /// <param name="Form">The form's name ("sonnet"), or "" when none was asked for.</param>
    /// <param name="Asked">The form's line count.</param>
    /// <param name="Units">The poem's length in the unit most favourable to the answer: its stanzas when it has two or
    /// more (a stanza may stand for one asked line), else the lines of its longest block.</param>
    /// <param name="Start">Where the poem starts (-1 without one).</param>
    /// <param name="Length">The poem's length in characters.</param>
    public readonly record struct Measure(string Form, int Asked, int Units, int Start, int Length)
    {
        /// <summary>Units / (<see cref="OverLimit"/> x asked): 1 at the limit, 0 when nothing was asked.</summary>
        public double Ratio => Asked == 0 ? 0 : (double)Units / (OverLimit * Asked);
    }

    private static readonly Measure Nothing = new("", 0, 0, -1, 0);

    /// <summary>
    /// The form the prompt asks for, if it names exactly one form, once (not "sonnets", not "three haiku", not a sonnet
    /// and a haiku), and the answer's poem measured against it. Cheap when the prompt names no form: one vectorised search.
    /// </summary>
    public static Measure Of(string? prompt, string? output)
    {
        if (string.IsNullOrEmpty(prompt) || string.IsNullOrEmpty(output))
            return Nothing;
        // Every mention of a form must be the same form, singular and not counted: a plural, a count before the word or a
        // second form asks for more than one poem's length.
        var p = prompt.AsSpan();
        var form = -1;
        for (var next = 0; next < p.Length;)
        {
            var at = p[next..].IndexOfAny(s_formWords);
            if (at < 0)
                break;
            at += next;
            var found = FormAt(p, at);
            if (found < 0 || (form >= 0 && found != form) || IsPluralOrCounted(p, at, s_forms[found].Name.Length))
                return Nothing;
            form = found;
            next = at + s_forms[found].Name.Length;
        }
        if (form < 0)
            return Nothing;
        var (units, start, length) = PoemUnits(output);
        return new Measure(s_forms[form].Name, s_forms[form].Lines, units, start, length);
    }

    private static int FormAt(ReadOnlySpan<char> p, int at)
    {
        for (var i = 0; i < s_forms.Length; i++)
        {
            if (p[at..].StartsWith(s_forms[i].Name, StringComparison.OrdinalIgnoreCase))
                return i;
        }
        return -1;
    }

    // "sonnets", "haikus"; or a number right before: "3 haiku", "three haiku", "a few limericks".
    private static bool IsPluralOrCounted(ReadOnlySpan<char> p, int at, int length)
    {
        var after = at + length;
        if (after < p.Length && (p[after] is 's' or 'S'))
            return true;
        var before = p[..at].TrimEnd();
        var wordStart = before.Length;
        while (wordStart > 0 && char.IsLetterOrDigit(before[wordStart - 1]))
            wordStart--;
        var word = before[wordStart..];
        if (word.Length > 0 && char.IsAsciiDigit(word[0]))
            return true;
        foreach (var count in s_countWords)
        {
            if (word.Equals(count, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    // The poem: verse lines (visible, at most VerseLineChars, not a heading and not an announcement ending in a colon),
    // outside code fences, in blocks separated by anything else. A stanza is a block of two or more lines (a title or a
    // closing remark alone is not). Units: the stanzas when there are two or more, else the longest block's lines.
    private static (int Units, int Start, int Length) PoemUnits(ReadOnlySpan<char> text)
    {
        int stanzas = 0, blockLines = 0, blockStart = -1, blockEnd = 0;
        int longest = 0, longestStart = -1, longestEnd = 0, firstStanza = -1, lastStanzaEnd = 0;
        var fenced = false;
        var pos = 0;
        while (pos <= text.Length)
        {
            var nl = text[pos..].IndexOf('\n');
            var end = nl < 0 ? text.Length : pos + nl;
            var line = text[pos..end];
            var lead = line.IndexOfAnyExcept(" \t\r");
            var visible = lead < 0 ? default : line[lead..].TrimEnd(" \t\r");
            if (lead >= 0 && visible.StartsWith("```", StringComparison.Ordinal))
                fenced = !fenced;
            var verse = lead >= 0 && !fenced && visible.Length <= VerseLineChars && visible[0] != '#' && visible[^1] != ':'
                && !visible.StartsWith("```", StringComparison.Ordinal);
            if (verse)
            {
                if (blockLines == 0)
                    blockStart = pos + lead;
                blockLines++;
                blockEnd = pos + lead + visible.Length;
            }
            else
            {
                EndBlock();
            }
            if (nl < 0)
                break;
            pos = end + 1;
        }
        EndBlock();
        return stanzas >= 2 ? (stanzas, firstStanza, lastStanzaEnd - firstStanza) : (longest, longestStart, longestEnd - longestStart);

        void EndBlock()
        {
            if (blockLines >= 2)
            {
                stanzas++;
                if (firstStanza < 0)
                    firstStanza = blockStart;
                lastStanzaEnd = blockEnd;
            }
            if (blockLines > longest)
                (longest, longestStart, longestEnd) = (blockLines, blockStart, blockEnd);
            blockLines = 0;
        }
    }
}
