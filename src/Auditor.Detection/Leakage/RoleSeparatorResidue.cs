namespace Auditor.Detection.Leakage;

/// <summary>
/// The residue of a role separator ("### Assistant:" with the colon left in the answer): the answer's first visible
/// character is a colon followed by a space or tab, and the prompt is a finished request (its last visible character ends
/// a sentence: <c>. ? !</c>, or a closing quote or bracket after one), so the answer cannot be continuing it. Without a
/// prompt nothing is said: a completion stream continues its prompt, and "Title: ..." may go on from a prompt ending "Title".
/// </summary>
public static class RoleSeparatorResidue
{
    public static bool Is(ReadOnlySpan<char> output, int firstVisible, string? prompt)
    {
        if (firstVisible < 0 || firstVisible + 1 >= output.Length || output[firstVisible] != ':' || output[firstVisible + 1] is not (' ' or '\t'))
            return false;
        var p = prompt.AsSpan().TrimEnd();
        p = p.TrimEnd("\"')]»”’");
        return p.Length > 0 && p[^1] is '.' or '?' or '!' or '。' or '？' or '！';
    }
}
