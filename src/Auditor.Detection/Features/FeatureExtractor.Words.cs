using System.Numerics;
using System.Runtime.CompilerServices;

namespace Auditor.Detection.Features;

// Word statistics: n-gram repetition and the trailing word loop.
public static partial class FeatureExtractor
{
    private readonly record struct NGramStats(
        double SeqRep1, double SeqRep2, double SeqRep3, double SeqRep4, int Distinct1, int Distinct2, int Distinct3, int Distinct4);

    // seq-rep-n = 1 - distinct n-grams / n-grams for n = 1..4, in one pass: the four n-gram hashes at a position are
    // built from each other, and each goes into its own open-addressing set of 32-bit hashes. Entries carry the
    // number of the count they belong to (an epoch), so the sets are never cleared between outputs.
    private static NGramStats CountNGrams(ReadOnlySpan<int> words, Scratch scratch)
    {
        var t = words.Length;
        if (t == 0)
            return default;
        var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, t * 4));
        var all = scratch.Set(capacity * 4, out var epoch);
        var set1 = all[..capacity];
        var set2 = all.Slice(capacity, capacity);
        var set3 = all.Slice(capacity * 2, capacity);
        var set4 = all.Slice(capacity * 3, capacity);
        var tag = (ulong)epoch << 32;
        var mask = capacity - 1;
        int d1 = 0, d2 = 0, d3 = 0, d4 = 0;
        for (var i = 0; i < t; i++)
        {
            var k1 = ((ulong)(uint)words[i] + 1) * 0x9E3779B97F4A7C15UL;
            d1 += Add(set1, k1, tag, mask);
            if (i + 1 >= t)
                continue;
            var k2 = (k1 ^ (uint)words[i + 1]) * 0xC2B2AE3D27D4EB4FUL;
            d2 += Add(set2, k2, tag, mask);
            if (i + 2 >= t)
                continue;
            var k3 = (k2 ^ (uint)words[i + 2]) * 0x165667B19E3779F9UL;
            d3 += Add(set3, k3, tag, mask);
            if (i + 3 >= t)
                continue;
            var k4 = (k3 ^ (uint)words[i + 3]) * 0x9E3779B97F4A7C15UL;
            d4 += Add(set4, k4, tag, mask);
        }
        return new NGramStats(Rep(d1, t), Rep(d2, t - 1), Rep(d3, t - 2), Rep(d4, t - 3), d1, d2, d3, d4);

        static double Rep(int distinct, int total) => total <= 0 ? 0 : 1 - (double)distinct / total;
    }

    // Adds a hash to the set; 1 when it was not there yet. The sets are at most a quarter full, so the first slot
    // almost always settles it, and "found" versus "new" is not a branch (it would mispredict on every other word).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Add(Span<ulong> set, ulong key, ulong tag, int mask)
    {
        var entry = tag | (key >> 32);
        var slot = (int)key & mask;
        while (true)
        {
            var existing = set[slot];
            var isNew = (existing & 0xFFFFFFFF00000000UL) != tag;
            if ((existing == entry) | isNew)
            {
                set[slot] = entry;
                return isNew ? 1 : 0;
            }
            slot = (slot + 1) & mask;
        }
    }

    // The longest loop at the end of the word sequence: smallest period p whose copies cover the most words.
    private static (int Period, int Words) TrailingWordLoop(ReadOnlySpan<int> w)
    {
        var t = w.Length;
        int bestPeriod = 0, bestCover = 0;
        for (var p = 1; p <= Math.Min(MaxWordPeriod, t / 2); p++)
        {
            if (bestPeriod > 0 && p % bestPeriod == 0)
                continue;
            var k = 0;
            while (k + p < t && w[t - 1 - k] == w[t - 1 - k - p])
                k++;
            if (k >= p && k + p > bestCover)
                (bestPeriod, bestCover) = (p, k + p);
        }
        return (bestPeriod, bestCover);
    }
}
