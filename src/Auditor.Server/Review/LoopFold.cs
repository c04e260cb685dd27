using System.Globalization;

namespace Auditor.Server.Review;

/// <summary>
/// A long loop in an output shown as its unit once and "x 24" with an expander: the unit is
/// <c>[Start, HiddenStart)</c>, the repeats after it <c>[HiddenStart, End)</c> are folded away until asked for.
/// </summary>
public sealed record LoopFold(int Start, int HiddenStart, int End, int UnitLength, int Repeats)
{
    /// <summary>Loops shorter than this stay unfolded: folding them saves the reader nothing.</summary>
    public const int MinFoldedChars = 200;

    /// <summary>Fewer repeats than this are not called a loop here.</summary>
    public const int MinRepeats = 4;

    /// <summary>The label beside the unit, e.g. "x 24 (1,992 characters)".</summary>
    public string Label => string.Create(CultureInfo.InvariantCulture, $"x {Repeats} ({End - Start:N0} characters)");

    /// <summary>
    /// The loop in <paramref name="text"/>[start, start+length): its shortest period (the prefix function's answer,
    /// so a last partial repeat is allowed) and how many whole units it holds; null when the stretch is not periodic
    /// with at least <paramref name="minRepeats"/> units.
    /// </summary>
    public static LoopFold? Find(string text, int start, int length, int minRepeats = MinRepeats)
    {
        start = Math.Clamp(start, 0, text.Length);
        length = Math.Clamp(length, 0, text.Length - start);
        if (length < 2)
            return null;
        var s = text.AsSpan(start, length);
        var prefix = new int[length];
        for (var i = 1; i < length; i++)
        {
            var k = prefix[i - 1];
            while (k > 0 && s[i] != s[k])
                k = prefix[k - 1];
            if (s[i] == s[k])
                k++;
            prefix[i] = k;
        }
        var period = length - prefix[length - 1];
        var repeats = length / period;
        // A unit must not end inside a surrogate pair: the page would show half a character.
        if (repeats < minRepeats || char.IsHighSurrogate(s[period - 1]))
            return null;
        return new LoopFold(start, start + period, start + length, period, repeats);
    }
}
