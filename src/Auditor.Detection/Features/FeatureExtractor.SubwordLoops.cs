using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Auditor.Detection.Features;

// Sub-word loops: a unit of two to four characters repeated inside a word ("KjKjKjKjKjKj"), the model stuck on a
// pair of sub-word tokens. One vectorised pass (32 or 16 characters a step) compares the text with itself shifted by 2, 3 and 4 characters; the
// rare blocks where a run can complete are walked one character at a time.
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
        // Positions j with text[j] == text[j + p]; a run of (repeats - 1) x p of them in a row is a unit of p characters
        // repeated `repeats` times. One pass compares each block with itself shifted by 2, 3 and 4 characters.
        int run2 = 0, run3 = 0, run4 = 0, j = 0;
        const int need2 = (SubwordLoopRepeats - 1) * 2, need3 = (SubwordLoopRepeats - 1) * 3, need4 = (SubwordLoopRepeats - 1) * 4;
        if (text.Length < 2 * SubwordLoopRepeats)
            return new SubwordLoops(0, -1, 0);
        var last = text.Length - SubwordLoopMaxPeriod;
        ref var t0 = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(text));
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j + Vector512<ushort>.Count <= last; j += Vector512<ushort>.Count)
            {
                var a = Vector512.LoadUnsafe(ref t0, (nuint)j);
                var m2 = (uint)Vector512.Equals(a, Vector512.LoadUnsafe(ref t0, (nuint)(j + 2))).ExtractMostSignificantBits();
                var m3 = (uint)Vector512.Equals(a, Vector512.LoadUnsafe(ref t0, (nuint)(j + 3))).ExtractMostSignificantBits();
                var m4 = (uint)Vector512.Equals(a, Vector512.LoadUnsafe(ref t0, (nuint)(j + 4))).ExtractMostSignificantBits();
                Block(text, j, m2, 32, 2, need2, ref run2, found, ref places);
                Block(text, j, m3, 32, 3, need3, ref run3, found, ref places);
                Block(text, j, m4, 32, 4, need4, ref run4, found, ref places);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + Vector256<ushort>.Count <= last; j += Vector256<ushort>.Count)
            {
                var a = Vector256.LoadUnsafe(ref t0, (nuint)j);
                var m2 = Vector256.Equals(a, Vector256.LoadUnsafe(ref t0, (nuint)(j + 2))).ExtractMostSignificantBits();
                var m3 = Vector256.Equals(a, Vector256.LoadUnsafe(ref t0, (nuint)(j + 3))).ExtractMostSignificantBits();
                var m4 = Vector256.Equals(a, Vector256.LoadUnsafe(ref t0, (nuint)(j + 4))).ExtractMostSignificantBits();
                Block(text, j, m2, 16, 2, need2, ref run2, found, ref places);
                Block(text, j, m3, 16, 3, need3, ref run3, found, ref places);
                Block(text, j, m4, 16, 4, need4, ref run4, found, ref places);
            }
        }
        // The rest one character at a time, each period up to its own end.
        var end2 = text.Length - 2;
        var end3 = text.Length - 3;
        for (var k = j; k < end2; k++)
        {
            Step(text, k, Unsafe.Add(ref t0, k) == Unsafe.Add(ref t0, k + 2), 2, need2, ref run2, found, ref places);
            if (k < end3)
                Step(text, k, Unsafe.Add(ref t0, k) == Unsafe.Add(ref t0, k + 3), 3, need3, ref run3, found, ref places);
            if (k < last)
                Step(text, k, Unsafe.Add(ref t0, k) == Unsafe.Add(ref t0, k + 4), 4, need4, ref run4, found, ref places);
        }
        Finish(text, end2, run2, 2, need2, found, ref places);
        Finish(text, end3, run3, 3, need3, found, ref places);
        Finish(text, last, run4, 4, need4, found, ref places);
        return places == 0 ? new SubwordLoops(0, -1, 0) : new SubwordLoops(places, found[0], found[1] - found[0]);
    }

    // One block of `width` comparisons (32 or 16) for one period. Nearly always no run can complete in it: the carried
    // run plus the block's leading equal positions fall short, and so do all its equal positions together; then only the
    // equal positions it ends with are carried. Otherwise it is walked one position at a time.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block(ReadOnlySpan<char> text, int j, uint m, int width, int p, int need, ref int run, Span<int> found, ref int places)
    {
        var full = width == 32 ? uint.MaxValue : 0xFFFFu;
        if (m == full)
        {
            run += width;
            return;
        }
        if (run + BitOperations.TrailingZeroCount(~m) < need && BitOperations.PopCount(m) < need)
        {
            run = BitOperations.LeadingZeroCount(~(m << (32 - width)));
            return;
        }
        for (var k = 0; k < width; k++)
            Step(text, j + k, (m >> k & 1) != 0, p, need, ref run, found, ref places);
    }

    private static void Finish(ReadOnlySpan<char> text, int end, int run, int p, int need, Span<int> found, ref int places)
    {
        if (run >= need)
            Record(text, end - run, run + p, p, found, ref places);
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
