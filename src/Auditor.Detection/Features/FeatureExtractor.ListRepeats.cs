namespace Auditor.Detection.Features;

// A list that restates its own items: "- docker ps" again twenty items after "- docker ps". A separate pass over the
// lines, run only on outputs with enough lines to hold such a list.
public static partial class FeatureExtractor
{
    /// <summary>
    /// A list restating this many different items of its own is a runaway list (degeneration sign 9): a writer names an
    /// item once; a fixed answer set (a form's Yes / No, the chords of a progression) repeats only a few.
    /// </summary>
    public const int RestatedListItemsLimit = 6;

    // Six items and their six restatements: an output with fewer lines cannot hold the sign, so the pass is skipped.
    private const int ListRepeatsMinLines = 2 * RestatedListItemsLimit;

    // Items remembered per list: bounds the table on a huge output (later items are still looked up).
    private const int ListItemsRemembered = 4_096;

    private readonly record struct ListRepeats(int Items, int Start, int Length);

    private static readonly ListRepeats NoListRepeats = new(0, -1, 0);

    // The current list's items by a hash of their text: where the item's text starts, its length, and whether it was
    // already counted as restated (so an item said three times counts once). A key shared by two different items keeps
    // the first (a restatement of the second is then missed: rare).
    [ThreadStatic] private static Dictionary<int, (int Start, int Length, bool Restated)>? t_listItems;

    // A list is a run of list-item lines (`-`, `*`, `+`, `•`, `1.`, `1)`, each followed by white space); blank lines do
    // not end it, any other visible line, a heading or a code fence does. Only the list's own items count (those at its
    // first item's indentation): nested items repeat by design (each product's "Pros" and "Cons", each section's
    // "Current state assessment"). Items are compared verbatim after the marker (a number is a marker, so "12. docker ps"
    // restates "3. docker ps"), white space at their end aside; an item needs a letter.
    private static ListRepeats FindListRepeats(ReadOnlySpan<char> text, ReadOnlySpan<int> lineEnds)
    {
        if (lineEnds.Length < ListRepeatsMinLines)
            return NoListRepeats;

        var items = t_listItems ??= [];
        items.Clear();
        int best = 0, bestStart = -1, bestLength = 0;
        int restated = 0, listStart = -1, listEnd = 0, baseIndent = -1;
        var fenced = false;
        var pos = 0;
        foreach (var end in lineEnds)
        {
            var line = text[pos..end];
            // Most lines start with something that is neither a list marker, a fence nor indentation: they only end an
            // open list, and the search for the first visible character is not needed.
            var lead = line.Length > 0 && line[0] is not (' ' or '\t' or '\r') ? 0 : line.IndexOfAnyExcept(" \t\r");
            if (lead >= 0 && !MayStartListItemOrFence(line[lead]))
            {
                if (baseIndent >= 0)
                    EndList();
            }
            else if (lead >= 0)
            {
                var visible = line[lead..].TrimEnd(" \t\r");
                var itemAt = fenced ? -1 : ListItemTextStart(visible);
                if (itemAt < 0)
                {
                    // Any other visible line ends the list (and a fence opens or closes code, which is not a list).
                    if (visible.StartsWith("```", StringComparison.Ordinal))
                        fenced = !fenced;
                    EndList();
                }
                else
                {
                    if (baseIndent >= 0 && lead < baseIndent)
                        EndList();
                    if (baseIndent < 0)
                        (baseIndent, listStart) = (lead, pos + lead);
                    listEnd = pos + lead + visible.Length;
                    if (lead == baseIndent)
                    {
                        var item = visible[itemAt..];
                        var start = pos + lead + itemAt;
                        var hash = string.GetHashCode(item, StringComparison.Ordinal);
                        if (!items.TryGetValue(hash, out var earlier))
                        {
                            if (items.Count < ListItemsRemembered)
                                items.Add(hash, (start, item.Length, false));
                        }
                        else if (!earlier.Restated && earlier.Length == item.Length && item.SequenceEqual(text.Slice(earlier.Start, earlier.Length)))
                        {
                            // The letter test runs only on a restated item (rare).
                            if (HasLetter(item))
                                restated++;
                            items[hash] = earlier with { Restated = true };
                        }
                    }
                }
            }
            pos = end + 1;
        }
        EndList();
        return best == 0 ? NoListRepeats : new ListRepeats(best, bestStart, bestLength);

        void EndList()
        {
            if (restated > best)
                (best, bestStart, bestLength) = (restated, listStart, listEnd - listStart);
            if (baseIndent >= 0 && items.Count > 0)
                items.Clear();
            (restated, listStart, baseIndent) = (0, -1, -1);
        }
    }

    private static bool MayStartListItemOrFence(char c) => c is '-' or '*' or '+' or '\u2022' or '`' or (>= '0' and <= '9');

    private static bool HasLetter(ReadOnlySpan<char> item)
    {
        foreach (var c in item)
        {
            if (char.IsLetter(c))
                return true;
        }
        return false;
    }

    // Where a list item's text starts in a visible line (after its marker and the white space that follows it), or -1
    // when the line is not a list item (a rule "---", emphasis "*word*", a number "3.5" are not).
    private static int ListItemTextStart(ReadOnlySpan<char> visible)
    {
        int at;
        if (visible[0] is '-' or '*' or '+' or '\u2022')
        {
            at = 1;
        }
        else
        {
            var digits = 0;
            while (digits < visible.Length && digits < 4 && char.IsAsciiDigit(visible[digits]))
                digits++;
            if (digits == 0 || digits == visible.Length || visible[digits] is not ('.' or ')'))
                return -1;
            at = digits + 1;
        }
        if (at >= visible.Length || visible[at] is not (' ' or '\t'))
            return -1;
        var text = visible[at..].IndexOfAnyExcept(" \t");
        return text < 0 ? -1 : at + text;
    }
}
