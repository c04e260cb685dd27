using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Auditor.Detection.Features;

// The line split shared by the line walks (repeated lines, restated list items, repeated prose): where each line ends,
// found once per output. Each walk used to search for every line end itself (a call per line, three times over).
public static partial class FeatureExtractor
{
    /// <summary>
    /// Writes the end of every line of <paramref name="text"/> to <paramref name="ends"/> and returns the number of lines:
    /// the offset of each '\n' in order, then <c>text.Length</c> (the last line, empty when the text ends with '\n' or is
    /// empty). Line k is <c>text[(k == 0 ? 0 : ends[k - 1] + 1)..ends[k]]</c>. Only '\n' ends a line: a '\r' stays in its
    /// line (the walks treat it as white space), as in <c>text.Split('\n')</c>. <paramref name="ends"/> needs room for
    /// <c>text.Length + 1</c> entries. One vectorised pass: sixteen characters a step (eight where only 128-bit vectors are
    /// fast) compared with '\n', the rare set bits of the mask written out.
    /// </summary>
    internal static int LineEnds(ReadOnlySpan<char> text, Span<int> ends)
    {
        if (ends.Length < text.Length + 1)
            throw new ArgumentException("Room for text.Length + 1 line ends is needed.", nameof(ends));
        ref var t0 = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(text));
        ref var e0 = ref MemoryMarshal.GetReference(ends);
        nint count = 0, i = 0, n = text.Length;
        // Unchecked: a block is read only when it lies within the text, and each '\n' takes one entry (count <= i < n).
        if (Vector256.IsHardwareAccelerated)
        {
            var newline = Vector256.Create((ushort)'\n');
            for (; i + Vector256<ushort>.Count <= n; i += Vector256<ushort>.Count)
            {
                var mask = Vector256.Equals(Vector256.LoadUnsafe(ref t0, (nuint)i), newline).ExtractMostSignificantBits();
                for (; mask != 0; mask &= mask - 1)
                    Unsafe.Add(ref e0, count++) = (int)i + BitOperations.TrailingZeroCount(mask);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            var newline = Vector128.Create((ushort)'\n');
            for (; i + Vector128<ushort>.Count <= n; i += Vector128<ushort>.Count)
            {
                var mask = Vector128.Equals(Vector128.LoadUnsafe(ref t0, (nuint)i), newline).ExtractMostSignificantBits();
                for (; mask != 0; mask &= mask - 1)
                    Unsafe.Add(ref e0, count++) = (int)i + BitOperations.TrailingZeroCount(mask);
            }
        }
        for (; i < n; i++)
        {
            if (Unsafe.Add(ref t0, i) == '\n')
                Unsafe.Add(ref e0, count++) = (int)i;
        }
        Unsafe.Add(ref e0, count++) = text.Length;
        return (int)count;
    }
}
