using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Auditor.Detection.Features;

// Sub-word loops: a unit of two to four characters repeated inside a word ("KjKjKjKjKjKj"), the model stuck on a
// pair of sub-word tokens. One vectorised comparison of the text with itself shifted by each period; the rare blocks
// where a run can complete are walked one character at a time.
public static partial class FeatureExtractor
{
    /// <summary>Sub-word loop units are 2 to this many characters (a pair of short sub-word tokens).</summary>
    public const int SubwordLoopMaxPeriod = 4;

    /// <summary>A sub-word loop repeats its unit at least this many times in a row.</summary>
    public const int SubwordLoopRepeats = 6;

    /// <summary>The places counted stop here (the sign needs 3; more would not change it).</summary>
    private const int SubwordLoopPlacesCounted = 8;

    private readonly record struct SubwordLoops(int Places, int FirstStart, int FirstLength);

    private static SubwordLoops FindSubwordLoops(ReadOnlySpan<char> text)
    {
        Span<int> found = stackalloc int[SubwordLoopPlacesCounted * 2];
        var places = 0;
        for (var p = 2; p <= SubwordLoopMaxPeriod && places < SubwordLoopPlacesCounted; p++)
            ScanPeriod(text, p, found, ref places);
        return places == 0 ? new SubwordLoops(0, -1, 0) : new SubwordLoops(places, found[0], found[1] - found[0]);
    }

    // Positions j with text[j] == text[j + p]; a run of (repeats - 1) x p of them in a row is a unit of p characters
    // repeated `repeats` times.
    private static void ScanPeriod(ReadOnlySpan<char> text, int p, Span<int> found, ref int places)
    {
        var need = (SubwordLoopRepeats - 1) * p;
        var last = text.Length - p;
        if (last < need)
            return;
        ref var t0 = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(text));
        int run = 0, j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + Vector256<ushort>.Count <= last; j += Vector256<ushort>.Count)
            {
                var equal = Vector256.Equals(Vector256.LoadUnsafe(ref t0, (nuint)j), Vector256.LoadUnsafe(ref t0, (nuint)(j + p)));
                var m = equal.ExtractMostSignificantBits();
                if (m == 0xFFFF)
                {
                    run += 16;
                    continue;
                }
                // No run can complete in this block: the carried run plus the block's leading equal positions fall
                // short, and so do all its equal positions together. Carry the equal positions the block ends with.
                if (run + BitOperations.TrailingZeroCount(~m) < need && BitOperations.PopCount(m) < need)
                {
                    run = BitOperations.LeadingZeroCount(~(m << 16));
                    continue;
                }
                for (var k = 0; k < 16; k++)
                    Step(text, j + k, (m >> k & 1) != 0, p, need, ref run, found, ref places);
            }
        }
        for (; j < last; j++)
            Step(text, j, Unsafe.Add(ref t0, j) == Unsafe.Add(ref t0, j + p), p, need, ref run, found, ref places);
        if (run >= need)
            Record(text, last - run, run + p, p, found, ref places);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(ReadOnlySpan<char> text, int j, bool equal, int p, int need, ref int run, Span<int> found, ref int places)
    {
        if (equal)
        {
            run++;
            return;
        }
        if (run >= need)
            Record(text, j - run, run + p, p, found, ref places);
        run = 0;
    }

    // A periodic stretch counts when its unit holds a letter, no white space ("na na na" is a chorus, not a sub-word
    // loop) and two different characters ("aaaa" is a run of one character, "Zzzzzz" a word), and it does not overlap
    // a stretch already counted (a unit of 2 is also one of 4).
    private static void Record(ReadOnlySpan<char> text, int start, int length, int p, Span<int> found, ref int places)
    {
        if (places >= SubwordLoopPlacesCounted)
            return;
        var unit = text.Slice(start, p);
        bool letter = false, varied = false;
        foreach (var c in unit)
        {
            if (char.IsWhiteSpace(c))
                return;
            letter |= char.IsLetter(c);
            varied |= c != unit[0];
        }
        if (!letter || !varied)
            return;
        for (var k = 0; k < places; k++)
        {
            if (start < found[2 * k + 1] && found[2 * k] < start + length)
                return;
        }
        found[2 * places] = start;
        found[2 * places + 1] = start + length;
        places++;
    }
}
