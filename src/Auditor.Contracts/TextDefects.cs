namespace Auditor.Contracts;

/// <summary>
/// Characters no store can hold as text: NUL (PostgreSQL text and jsonb refuse it) and lone UTF-16 surrogates (they
/// have no UTF-8 encoding, so a strict encoder throws and a lenient one silently changes the text).
/// </summary>
public static class TextDefects
{
    /// <summary>The position of the first NUL character, or -1.</summary>
    public static int IndexOfNul(string text) => text.IndexOf('\0');

    /// <summary>The position of the first high surrogate without its low half, or low surrogate without its high half; -1 when there is none.</summary>
    public static int IndexOfLoneSurrogate(string text)
    {
        // Vectorized skip to the next surrogate: outputs run to a megabyte and nearly all hold none.
        var span = text.AsSpan();
        for (var i = 0; i < text.Length; i++)
        {
            var next = span[i..].IndexOfAnyInRange('\uD800', '\uDFFF');
            if (next < 0)
                return -1;
            i += next;
            var c = text[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    i++;
                    continue;
                }
                return i;
            }
            if (char.IsLowSurrogate(c))
                return i;
        }
        return -1;
    }

    /// <summary>
    /// The text with every NUL and lone surrogate replaced by U+FFFD: one UTF-16 unit for one, so offsets into it stay
    /// true. For storing text that describes bad input (ids, messages) where the exact input is kept elsewhere.
    /// </summary>
    public static string? Storable(string? text)
    {
        if (text is null || (IndexOfNul(text) < 0 && IndexOfLoneSurrogate(text) < 0))
            return text;
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] == '\0')
                chars[i] = '\uFFFD';
            else if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
                i++;
            else if (char.IsSurrogate(chars[i]))
                chars[i] = '\uFFFD';
        }
        return new string(chars);
    }
}
