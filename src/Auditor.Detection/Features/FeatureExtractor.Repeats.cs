using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Auditor.Detection.Features;

// Copies and loops: the greedy LZ77 parse of the digit-folded text.
public static partial class FeatureExtractor
{
    private readonly record struct RepeatStats(
        double RepeatedShare, double WeightedCopiedChars, double CompressionRatio, int LongestStart, int LongestLength, int LongestDistance,
        int LoopStart, int LoopLength, int LoopPeriod, double TrailingCopied, int TrailingCopyStart);

    // Greedy LZ77 parse with a hash of the last position of every 8-character key. A loop shows up as one long
    // match whose source is one period back; counting "Chapter 12, Chapter 13" works because digits are folded.
    private static RepeatStats ParseRepeats(ReadOnlySpan<char> s, ReadOnlySpan<char> raw, Scratch scratch, int lastVisible)
    {
        var n = s.Length;
        if (n < MatchKey * 2)
            return new RepeatStats(0, 0, n == 0 ? 0 : 1, -1, 0, 0, -1, 0, 0, 0, -1);

        var bits = Math.Clamp(BitOperations.Log2((uint)n) + 2, 8, 20);
        var head = scratch.Head(1 << bits, n, out var stamp);
        var previous = scratch.Previous(n);
        var shift = 64 - bits;
        var copied = 0.0;
        // The copy region being built: copies with little new text between them (see CopyRegionGapChars).
        int regionStart = -1, regionEnd = -1;
        var regionCopied = 0.0;

        int matched = 0, matches = 0, repeated = 0, longestStart = -1, longestLength = 0, longestDistance = 0;
        int lastMatchStart = -1, lastMatchLength = 0, lastMatchDistance = 0;
        var i = 0;
        while (true)
        {
            var j = NextMatch(s, head, previous, stamp, shift, ref i);
            if (j < 0)
                break;

            var length = MatchKey + s[(i + MatchKey)..].CommonPrefixLength(s[(j + MatchKey)..]);
            // The most recent position with the same key may be the wrong one: in a loop whose unit holds two lines that
            // share a prefix ("foo bar 1\nfoo bar 22\n", digits folded) it is the other line. A short match tries a few
            // earlier positions of the hash chain and keeps the longest.
            if (length < ChainEnoughChars)
                (j, length) = LongestOnChain(s, previous, stamp, i, j, length);
            // Compression counts what is copied verbatim (digits not folded: a table of different numbers is information).
            var verbatim = VerbatimStretches(raw.Slice(i, length), raw.Slice(j, length));
            matches += verbatim.Stretches;
            matched += verbatim.Chars;
            if (length >= MinRepeatChars)
            {
                repeated += length;
                copied += verbatim.Weight;
                if (verbatim.Weight > 0)
                {
                    if (regionEnd < 0 || i - regionEnd > CopyRegionGapChars)
                        (regionStart, regionCopied) = (i, 0);
                    regionCopied += verbatim.Weight;
                    regionEnd = i + length;
                }
            }
            if (length > longestLength)
                (longestStart, longestLength, longestDistance) = (i, length, i - j);
            (lastMatchStart, lastMatchLength, lastMatchDistance) = (i, length, i - j);
            // Index the copied stretch only when short: inside a long copy every key is already indexed one copy back.
            var end = i + length;
            var indexFrom = length <= 32 ? i + 1 : Math.Max(i + 1, end - MatchKey);
            Index(s, head, previous, stamp, shift, indexFrom, Math.Min(end, n - MatchKey + 1));
            i = end;
        }
        var literals = n - matched;

        // The trailing loop: the last copy reaches the end and overlaps its source (at least two back-to-back copies).
        // Walk back from the copy while the text keeps the same period, to find where the loop began.
        int loopStart = -1, loopLength = 0, loopPeriod = 0;
        if (lastMatchStart >= 0 && lastMatchStart + lastMatchLength == n && lastMatchLength >= lastMatchDistance)
        {
            var d = lastMatchDistance;
            var start = lastMatchStart - d;
            while (start > 0 && s[start - 1] == s[start - 1 + d])
                start--;
            var period = MinimalPeriod(s[start..], d);
            // A loop seen only with digits folded must repeat words ("Chapter 12, Chapter 13"); a run of numbers
            // (a table, a list of values) is not a loop unless it repeats verbatim.
            if (RepeatsWords(raw.Slice(start, period))
                || raw[(start + period)..].SequenceEqual(raw[start..^period]))
            {
                (loopStart, loopLength, loopPeriod) = (start, n - start, period);
            }
        }

        var codeSize = literals + 3 * matches;
        var trailing = regionEnd >= 0 && regionEnd > lastVisible - TrailingSlackChars;
        return new RepeatStats((double)repeated / n, copied, (double)n / Math.Max(1, codeSize), longestStart, longestLength, longestDistance,
            loopStart, loopLength, loopPeriod, trailing ? regionCopied : 0, trailing ? regionStart : -1);
    }

    // The literal run: from position i on, the first position whose eight characters equal those at the last earlier
    // position with the same 4-character hash; returns that earlier position (i is left at the match) or -1 at the end.
    // Table entries hold stamp + position; anything below the stamp is from an earlier output and reads as position 0
    // (still checked on all eight characters). Kept out of the parse's loop, so its few variables stay in registers,
    // and free of data-dependent branches but the match test, which is almost always false in natural text: whether a
    // key was seen before in this output, or shares its first four characters, follows no pattern a predictor learns.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int NextMatch(ReadOnlySpan<char> s, Span<int> head, Span<int> previous, int stamp, int shift, ref int i)
    {
        ref var b0 = ref MemoryMarshal.GetReference(MemoryMarshal.AsBytes(s));
        ref var head0 = ref MemoryMarshal.GetReference(head);
        ref var previous0 = ref MemoryMarshal.GetReference(previous);
        // Native-sized positions: addressing with them needs no sign extension.
        nint p = i, last = s.Length - MatchKey;
        for (; p <= last; p++)
        {
            // The key hashes the first four characters; the candidate is then checked on all eight.
            var k0 = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b0, p * 2));
            // Unchecked: the hash has 64 - shift bits, and the table has 2^(64 - shift) entries.
            ref var slot = ref Unsafe.Add(ref head0, (nint)((k0 * 0x9E3779B97F4A7C15UL) >> shift));
            var stored = slot - stamp;
            nint candidate = stored & ~(stored >> 31); // max(stored, 0)
            Unsafe.Add(ref previous0, p) = slot; // unchecked: p < s.Length <= previous.Length
            slot = stamp + (int)p;
            // Non-short-circuit tests: every read is in bounds, as candidate <= p and p + 8 <= length.
            var found = (candidate < p)
                & (Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b0, candidate * 2)) == k0)
                & (Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b0, candidate * 2 + 8)) == Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b0, p * 2 + 8)));
            if (found)
            {
                i = (int)p;
                return (int)candidate;
            }
        }
        i = (int)p;
        return -1;
    }

    // Stores positions from..to-1 as the last ones of their keys (positions inside a copy), like the literal run does.
    // Its own small method for the same reason as NextMatch.
    private static void Index(ReadOnlySpan<char> s, Span<int> head, Span<int> previous, int stamp, int shift, int from, int to)
    {
        ref var b0 = ref MemoryMarshal.GetReference(MemoryMarshal.AsBytes(s));
        ref var head0 = ref MemoryMarshal.GetReference(head);
        ref var previous0 = ref MemoryMarshal.GetReference(previous);
        // Unchecked: to <= s.Length - MatchKey + 1, so each 8-byte key read is in bounds; the hash is below head.Length.
        for (nint p = from; p < to; p++)
        {
            var key = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b0, p * 2));
            ref var slot = ref Unsafe.Add(ref head0, (nint)((key * 0x9E3779B97F4A7C15UL) >> shift));
            Unsafe.Add(ref previous0, p) = slot;
            slot = stamp + (int)p;
        }
    }

    /// <summary>A match shorter than this tries earlier positions of its hash chain (two minimum copies).</summary>
    private const int ChainEnoughChars = 2 * MinRepeatChars;

    /// <summary>How many earlier positions a short match tries: enough for a loop unit of a few lines that share prefixes.</summary>
    private const int ChainSteps = 4;

    // The longest match for position i among j and up to ChainSteps earlier positions with the same hash. Positions on
    // the chain were all indexed in this output (an entry from an earlier output is below the stamp and ends the walk).
    private static (int Source, int Length) LongestOnChain(ReadOnlySpan<char> s, Span<int> previous, int stamp, int i, int j, int length)
    {
        var key = s.Slice(i, MatchKey);
        var candidate = j;
        for (var step = 0; step < ChainSteps && length < ChainEnoughChars; step++)
        {
            var earlier = previous[candidate] - stamp;
            if (earlier < 0 || earlier >= candidate)
                break;
            candidate = earlier;
            if (!s.Slice(candidate, MatchKey).SequenceEqual(key))
                continue;
            var l = MatchKey + s[(i + MatchKey)..].CommonPrefixLength(s[(candidate + MatchKey)..]);
            if (l > length)
                (j, length) = (candidate, l);
        }
        return (j, length);
    }

    private readonly record struct Verbatim(int Chars, int Stretches, double Weight);

    /// <summary>
    /// The verbatim (unfolded) stretches of a copy: characters and count of those of 8+ characters (for compression), and the
    /// weight of those of 24+ characters, each by length x min(1, length / 128).
    /// </summary>
    private static Verbatim VerbatimStretches(ReadOnlySpan<char> copy, ReadOnlySpan<char> source)
    {
        int chars = 0, stretches = 0;
        var weight = 0.0;
        var pos = 0;
        while (pos < copy.Length)
        {
            var run = copy[pos..].CommonPrefixLength(source[pos..]);
            // Runs of white space or punctuation (table padding, a rule of dashes) are layout, not repetition: they count
            // as new text for the compression estimate too.
            var words = run >= MatchKey && HasWordCharacter(copy.Slice(pos, run));
            if (words)
            {
                chars += run;
                stretches++;
            }
            if (run >= MinRepeatChars && words)
                weight += run * Math.Min(1.0, run / FullWeightCopyChars);
            pos += run + 1; // skip the differing (digit) character
        }
        return new Verbatim(chars, stretches, weight);
    }

    // True when the stretch holds a letter or digit of some script: a word or a number, not only layout.
    private static bool HasWordCharacter(ReadOnlySpan<char> stretch)
    {
        foreach (var c in stretch)
        {
            if (char.IsLetterOrDigit(c))
                return true;
        }
        return false;
    }

    // True when the loop unit holds a letter of some script (a word, not only numbers and punctuation).
    private static bool RepeatsWords(ReadOnlySpan<char> unit)
    {
        foreach (var c in unit)
        {
            if (char.IsLetter(c))
                return true;
        }
        return false;
    }

    // The smallest divisor q of the found period d for which the loop span still has period q ("ab ab ab" is period 3, not 6).
    // Divisors come in pairs q <= d / q, so only q up to sqrt(d) needs a division: the small ones are tried upwards,
    // then the large ones (d / q for those q, downwards), which keeps the order of increasing q.
    private static int MinimalPeriod(ReadOnlySpan<char> loop, int d)
    {
        var small = 1;
        for (; small * small <= d; small++)
        {
            if (d % small == 0 && small < d && HasPeriod(loop, small))
                return small;
        }
        for (var q = small - 1; q >= 1; q--)
        {
            var large = d / q;
            if (d % q == 0 && large > q && large < d && HasPeriod(loop, large))
                return large;
        }
        return d;

        static bool HasPeriod(ReadOnlySpan<char> loop, int q) => loop[q..].SequenceEqual(loop[..^q]);
    }
}
