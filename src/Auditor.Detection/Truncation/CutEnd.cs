namespace Auditor.Detection.Truncation;

/// <summary>How an output's text shows it was cut off, without any metadata.</summary>
public enum CutEndKind
{
    None,

    /// <summary>The text ends inside a markdown code fence it opened (an odd number of <c>```</c>).</summary>
    OpenCodeFence,

    /// <summary>The last visible character is a mark that joins to more text (<c>, ; : ( [ { = &amp;</c>, or a hyphen after a letter).</summary>
    JoiningMark,
}

/// <summary>
/// The rule for "the text stops mid-sentence", shared by the truncation detector (a weaker sign where no finishReason
/// says so) and the length detector (supporting evidence for "too short"). Only what a complete answer never ends with
/// counts: an open code fence, or a mark that joins to what follows. A last word without a full stop does not count:
/// headings, list items, code and one-word answers end that way. Marks that also close something are left out: "/" (a
/// path, IPA), "*" (bold), "|" (a table row), "+" (C++), "-" alone (a rule "---", a minus).
/// </summary>
public static class CutEnd
{
    private static readonly System.Buffers.SearchValues<char> JoiningMarks = System.Buffers.SearchValues.Create(",;:([{=&");

    /// <param name="text">The output.</param>
    /// <param name="lastVisible">The offset of its last visible character (-1 when it has none).</param>
    /// <param name="fencesFrom">An offset before which <paramref name="text"/> holds no '`' (-1: none at all), such as
    /// <see cref="DetectionContext.FirstFenceOrTagMark"/>: the fence count starts there.</param>
    public static CutEndKind Find(ReadOnlySpan<char> text, int lastVisible, int fencesFrom = 0)
    {
        if (lastVisible < 0 || lastVisible >= text.Length)
            return CutEndKind.None;
        if (fencesFrom >= 0 && CountFences(text[fencesFrom..]) % 2 == 1)
            return CutEndKind.OpenCodeFence;
        var last = text[lastVisible];
        // "well-" is a word cut at its hyphen; "---" and "x -" are not.
        var cutWord = last == '-' && lastVisible > 0 && char.IsLetter(text[lastVisible - 1]);
        return JoiningMarks.Contains(last) || cutWord ? CutEndKind.JoiningMark : CutEndKind.None;
    }

    /// <summary>A reviewer's description of the cut.</summary>
    public static string Describe(CutEndKind kind) => kind switch
    {
        CutEndKind.OpenCodeFence => "it ends inside a code block it opened",
        CutEndKind.JoiningMark => "it ends on a mark that joins to more text",
        _ => "it ends normally",
    };

    // Vectorised search for the fence; only the rare backtick runs are looked at.
    private static int CountFences(ReadOnlySpan<char> text)
    {
        var count = 0;
        int at;
        while ((at = text.IndexOf("```", StringComparison.Ordinal)) >= 0)
        {
            count++;
            text = text[(at + 3)..];
        }
        return count;
    }
}
