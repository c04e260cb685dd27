using System.Collections.Frozen;

namespace Auditor.Detection.Empty;

/// <summary>
/// The rule for an answer that holds no content although it has words: a short text (at most <see cref="MaxVisibleChars"/>
/// visible characters and <see cref="MaxWords"/> words) that only acknowledges the request ("Sure!", "Sure, I can do
/// that.", "Certainly! Here it is") or announces content that never comes (it ends with a colon: "Here is one
/// possibility:"). Answers are not stubs: "Yes.", "No.", "c.", a number, a name, an emoji all carry the answer, and
/// "yes" and "no" are not acknowledgement words here. English only: a stub in another language is not recognised.
/// </summary>
public static class ContentFreeStub
{
    public const int MaxVisibleChars = 60;
    public const int MaxWords = 8;

    // Words that acknowledge a request or point at what follows; at least one of the first set must occur.
    private static readonly FrozenSet<string> Acknowledgements = FrozenSet.ToFrozenSet(
        ["sure", "certainly", "absolutely", "definitely", "course", "okay", "ok", "alright", "happy", "glad", "here", "gladly"], StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenSet<string> Fillers = FrozenSet.ToFrozenSet(
        ["of", "i", "i'm", "i'd", "i'll", "can", "could", "will", "would", "do", "that", "be", "to", "help", "is", "are", "it", "goes", "you", "go",
         "let", "me", "with", "this", "what", "great", "question", "thanks", "thank", "thing", "there", "a", "an", "the", "and", "so"], StringComparer.OrdinalIgnoreCase);

    /// <summary>True when <paramref name="text"/> (with <paramref name="visibleChars"/> non-white-space characters) is a stub.</summary>
    public static bool Is(ReadOnlySpan<char> text, int visibleChars)
    {
        if (visibleChars == 0 || visibleChars > MaxVisibleChars)
            return false;
        var trimmed = text.Trim();
        var words = 0;
        var acknowledges = false;
        var onlyAcknowledgement = true;
        var lookup = Acknowledgements.GetAlternateLookup<ReadOnlySpan<char>>();
        var fillers = Fillers.GetAlternateLookup<ReadOnlySpan<char>>();
        var i = 0;
        while (i < trimmed.Length)
        {
            if (!char.IsLetterOrDigit(trimmed[i]))
            {
                i++;
                continue;
            }
            var start = i;
            while (i < trimmed.Length && (char.IsLetterOrDigit(trimmed[i]) || (trimmed[i] == '\'' && i + 1 < trimmed.Length && char.IsLetter(trimmed[i + 1]))))
                i++;
            var word = trimmed[start..i];
            if (++words > MaxWords)
                return false;
            if (lookup.Contains(word))
                acknowledges = true;
            else if (!fillers.Contains(word))
                onlyAcknowledgement = false;
        }
        if (words == 0)
            return false;
        return trimmed[^1] == ':' || (acknowledges && onlyAcknowledgement);
    }
}
