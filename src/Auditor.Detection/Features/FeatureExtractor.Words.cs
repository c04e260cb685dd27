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
        // Sets at most an eighth full for outputs of up to 256 words: the first slot settles nearly every hash (a
        // quarter full, the probe's branch mispredicted more often: measured 2% slower on dev.jsonl). Larger outputs
        // keep a quarter, which bounds the memory (4 MiB per thread at MaxNGramWords).
        var fused = t <= FusedNGramWords;
        var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, t * (t <= EighthFullNGramWords ? 8 : 4)));
        var all = scratch.Set(capacity * 4, out var epoch);
        var tag = (ulong)epoch << 32;
        int d1, d2, d3, d4;
        if (fused)
        {
            (d1, d2, d3, d4) = CountFused(words, all, capacity, tag);
        }
        else
        {
            // One pass per n, each with the hash of the n-gram at every word in keys: a pass touches one set only, which
            // stays in a nearer cache than four large sets at once.
            var keys = scratch.NGramKeys(t);
            d1 = CountUnigrams(words, keys, all[..capacity], tag);
            d2 = ExtendAndCount(words, keys, 2, NGram2, all.Slice(capacity, capacity), tag);
            d3 = ExtendAndCount(words, keys, 3, NGram3, all.Slice(capacity * 2, capacity), tag);
            d4 = ExtendAndCount(words, keys, 4, NGram4, all.Slice(capacity * 3, capacity), tag);
        }
        return new NGramStats(Rep(d1, t), Rep(d2, t - 1), Rep(d3, t - 2), Rep(d4, t - 3), d1, d2, d3, d4);

        static double Rep(int distinct, int total) => total <= 0 ? 0 : 1 - (double)distinct / total;
    }

    // Up to this many words the n-gram sets are at most an eighth full, above it a quarter (see CountNGrams).
    private const int EighthFullNGramWords = 256;

    private const ulong NGram1 = 0x9E3779B97F4A7C15UL, NGram2 = 0xC2B2AE3D27D4EB4FUL, NGram3 = 0x165667B19E3779F9UL, NGram4 = 0x9E3779B97F4A7C15UL;

    // Outputs of up to this many words are counted in one pass, the n-gram hashes in registers (measured 2% faster on
    // dev.jsonl than a pass per n up to 256 words, and 1-2% faster on dev and chat-dev up to 4,096 words, where the four
    // sets, 512 KiB, still fit the L2 cache); larger ones take a pass per n, each touching one set.
    private const int FusedNGramWords = 4096;

    // The four counts in one pass over the words: at word i, the hashes of the 1- to 4-grams starting there, each built
    // from the shorter one as in CountUnigrams and ExtendAndCount, and each added to its set in the same order as there,
    // so the counts are the same.
    private static (int, int, int, int) CountFused(ReadOnlySpan<int> words, Span<ulong> all, int capacity, ulong tag)
    {
        ref var w0 = ref MemoryMarshal.GetReference(words);
        ref var set1 = ref MemoryMarshal.GetReference(all);
        ref var set2 = ref Unsafe.Add(ref set1, capacity);
        ref var set3 = ref Unsafe.Add(ref set2, capacity);
        ref var set4 = ref Unsafe.Add(ref set3, capacity);
        nint mask = capacity - 1, t = words.Length, i = 0;
        int d1 = 0, d2 = 0, d3 = 0, d4 = 0;
        // Unchecked: i + 3 < t = words.Length; each set is capacity entries of all (capacity * 4).
        for (; i + 3 < t; i++)
        {
            var k1 = ((ulong)(uint)Unsafe.Add(ref w0, i) + 1) * NGram1;
            var k2 = (k1 ^ (uint)Unsafe.Add(ref w0, i + 1)) * NGram2;
            var k3 = (k2 ^ (uint)Unsafe.Add(ref w0, i + 2)) * NGram3;
            var k4 = (k3 ^ (uint)Unsafe.Add(ref w0, i + 3)) * NGram4;
            d1 += Add(ref set1, k1, tag, mask);
            d2 += Add(ref set2, k2, tag, mask);
            d3 += Add(ref set3, k3, tag, mask);
            d4 += Add(ref set4, k4, tag, mask);
        }
        // The last three words start shorter n-grams only.
        for (; i < t; i++)
        {
            var k = ((ulong)(uint)Unsafe.Add(ref w0, i) + 1) * NGram1;
            d1 += Add(ref set1, k, tag, mask);
            if (i + 1 >= t)
                break;
            k = (k ^ (uint)Unsafe.Add(ref w0, i + 1)) * NGram2;
            d2 += Add(ref set2, k, tag, mask);
            if (i + 2 >= t)
                continue;
            k = (k ^ (uint)Unsafe.Add(ref w0, i + 2)) * NGram3;
            d3 += Add(ref set3, k, tag, mask);
        }
        return (d1, d2, d3, d4);
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
            var key = ((ulong)(uint)Unsafe.Add(ref w0, i) + 1) * NGram1;
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
