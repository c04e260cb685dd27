using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Auditor.Detection.Features;

// Word statistics: n-gram repetition and the trailing word loop.
public static partial class FeatureExtractor
{
    private readonly record struct NGramStats(
        double SeqRep1, double SeqRep2, double SeqRep3, double SeqRep4, int Distinct1, int Distinct2, int Distinct3, int Distinct4);

    // seq-rep-n = 1 - distinct n-grams / n-grams for n = 1..4. Each n-gram's hash is built from the (n-1)-gram's, and
    // each n has its own open-addressing set of 32-bit hashes. Entries carry the number of the count they belong to (an
    // epoch), so the sets are never cleared between outputs.
    private static NGramStats CountNGrams(ReadOnlySpan<int> words, Scratch scratch)
    {
        var t = words.Length;
        if (t == 0)
            return default;
        var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, t * 4));
        var all = scratch.Set(capacity * 4, out var epoch);
        var tag = (ulong)epoch << 32;
        // One pass per n, each with the hash of the n-gram at every word in keys: a pass touches one set only, which
        // stays in the L1 cache for outputs of ordinary length (four sets at once do not).
        var keys = scratch.NGramKeys(t);
        var d1 = CountUnigrams(words, keys, all[..capacity], tag);
        var d2 = ExtendAndCount(words, keys, 2, 0xC2B2AE3D27D4EB4FUL, all.Slice(capacity, capacity), tag);
        var d3 = ExtendAndCount(words, keys, 3, 0x165667B19E3779F9UL, all.Slice(capacity * 2, capacity), tag);
        var d4 = ExtendAndCount(words, keys, 4, 0x9E3779B97F4A7C15UL, all.Slice(capacity * 3, capacity), tag);
        return new NGramStats(Rep(d1, t), Rep(d2, t - 1), Rep(d3, t - 2), Rep(d4, t - 3), d1, d2, d3, d4);

        static double Rep(int distinct, int total) => total <= 0 ? 0 : 1 - (double)distinct / total;
    }

    // Distinct words: keys[i] becomes the hash of word i.
    private static int CountUnigrams(ReadOnlySpan<int> words, Span<ulong> keys, Span<ulong> set, ulong tag)
    {
        ref var w0 = ref MemoryMarshal.GetReference(words);
        ref var k0 = ref MemoryMarshal.GetReference(keys);
        ref var set0 = ref MemoryMarshal.GetReference(set);
        nint mask = set.Length - 1;
        var distinct = 0;
        // Unchecked: i < words.Length <= keys.Length. Native-sized indexes need no sign extension.
        for (nint i = 0; i < words.Length; i++)
        {
            var key = ((ulong)(uint)Unsafe.Add(ref w0, i) + 1) * 0x9E3779B97F4A7C15UL;
            Unsafe.Add(ref k0, i) = key;
            distinct += Add(ref set0, key, tag, mask);
        }
        return distinct;
    }

    // Distinct n-grams: keys[i], the hash of the (n-1)-gram at word i, is extended by word i + n - 1.
    private static int ExtendAndCount(ReadOnlySpan<int> words, Span<ulong> keys, int n, ulong multiplier, Span<ulong> set, ulong tag)
    {
        ref var w0 = ref MemoryMarshal.GetReference(words);
        ref var k0 = ref MemoryMarshal.GetReference(keys);
        ref var set0 = ref MemoryMarshal.GetReference(set);
        nint mask = set.Length - 1;
        var distinct = 0;
        // Unchecked: i + n - 1 < words.Length <= keys.Length. Native-sized indexes need no sign extension.
        for (nint i = 0; i + n <= words.Length; i++)
        {
            ref var key = ref Unsafe.Add(ref k0, i);
            key = (key ^ (uint)Unsafe.Add(ref w0, i + n - 1)) * multiplier;
            distinct += Add(ref set0, key, tag, mask);
        }
        return distinct;
    }

    // Adds a hash to the set (2^k entries, the first at set0); 1 when it was not there yet. An entry is the epoch's tag
    // and the hash's high half; the low half picks the slot. Compared with the entry, a slot is then either the same
    // (found), of another epoch (empty for this count: the hash is new), or the same epoch's entry for another hash
    // (probe on), which is 0 < difference < 2^32. The sets are at most a quarter full, so the first slot almost always
    // settles it, and "found" versus "new" is not a branch (it would mispredict on every other word).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Add(ref ulong set0, ulong key, ulong tag, nint mask)
    {
        var entry = tag | (key >> 32);
        var slot = (nint)key & mask;
        // Unchecked: slot <= mask, the last index.
        var difference = Unsafe.Add(ref set0, slot) ^ entry;
        while (difference - 1 < 0xFFFF_FFFFUL)
        {
            slot = (slot + 1) & mask;
            difference = Unsafe.Add(ref set0, slot) ^ entry;
        }
        Unsafe.Add(ref set0, slot) = entry;
        return difference > 0xFFFF_FFFFUL ? 1 : 0;
    }

    // The longest loop at the end of the word sequence: smallest period p whose copies cover the most words.
    // Only a period p whose word p back equals the last word can hold, so a vectorised search finds those, in
    // increasing p (positions from the end backwards), and only they are checked.
    private static (int Period, int Words) TrailingWordLoop(ReadOnlySpan<int> w)
    {
        var t = w.Length;
        int bestPeriod = 0, bestCover = 0;
        var maxPeriod = Math.Min(MaxWordPeriod, t / 2);
        if (maxPeriod == 0)
            return (0, 0);
        // window[e] is the word p = maxPeriod - e back from the last.
        var window = w.Slice(t - 1 - maxPeriod, maxPeriod);
        var end = window.Length;
        while ((end = window[..end].LastIndexOf(w[^1])) >= 0)
        {
            var p = maxPeriod - end;
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
