using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Auditor.Detection.Features;

// Near-verbatim repetition: word 4-grams on token shapes (digits, case and capitalised names folded).
public static partial class FeatureExtractor
{
    /// <summary>A near-copy n-gram is this many tokens long (Welleck et al.'s seq-rep-4 unit).</summary>
    public const int NearCopyGram = 4;

    /// <summary>
    /// The trailing near-copy run is the longest stretch at the end in which at least this share of the tokens lie in a
    /// 4-gram seen earlier: four of five, so a new name or word in each line does not end the run, a new sentence does.
    /// </summary>
    public const double NearCopyDensity = 0.8;

    /// <summary>The text must end repeating: at least 16 of its last 20 tokens lie in a 4-gram seen earlier.</summary>
    public const int NearCopyTailTokens = 20, NearCopyTailEchoed = 16;

    /// <summary>Outputs with fewer tokens are not searched: the sign needs 200 tokens in its run (DegenerationDetector.NearCopyTokensLimit).</summary>
    public const int NearCopyMinTokens = 200;

    // The analysis covers the last 131,072 characters (about 25,000 words): bounded memory, and the end is where runs are.
    private const int NearCopyMaxChars = 131_072;

    private static readonly ulong s_nameShape = 0x51_7C_C1_B7_27_22_0A_95UL;

    private readonly record struct NearCopyRun(int Tokens, int Start, double Share);

    private const byte Blank = 0, Word = 1, Mark = 2, Ideograph = 3;

    // Token classes of the ASCII characters: white space is skipped, letters and digits make words, anything else ('_'
    // included) is a mark of its own.
    private static readonly byte[] s_nearCopyAscii = Enumerable.Range(0, 128).Select(c => (char)c switch
    {
        ' ' or '\n' or '\t' or '\r' or '\v' or '\f' => Blank,
        >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' => Word,
        _ => Mark,
    }).ToArray();

    private static byte Kind(char c)
    {
        if (c < 128)
            return s_nearCopyAscii[c];
        if (c is >= '\u3040' and <= '\u30FF' or >= '\u3400' and <= '\u4DBF' or >= '\u4E00' and <= '\u9FFF'
            or >= '\uAC00' and <= '\uD7AF' or >= '\uF900' and <= '\uFAFF')
        {
            return Ideograph;
        }
        if (char.IsWhiteSpace(c))
            return Blank;
        return char.IsLetterOrDigit(c) ? Word : Mark;
    }

    // Token shapes: a run of letters and digits is one token, lower-cased, each run of digits read as one digit, a
    // capitalised word (an upper-case letter, then lower-case ones) read as "a name"; a CJK character or a punctuation
    // mark is a token of its own. A 4-gram counts when one of its tokens holds a letter (runs of punctuation, table
    // rules and numbers alone are not text that repeats). Then, from the end backwards, the longest stretch whose tokens
    // are at least 80% covered by 4-grams seen earlier in the text.
    private static NearCopyRun TrailingNearCopies(ReadOnlySpan<char> text, int wordCount, Scratch scratch)
    {
        if (wordCount < NearCopyMinTokens)
            return new NearCopyRun(0, -1, 0);
        var from = Math.Max(0, text.Length - NearCopyMaxChars);
        scratch.NearCopyBuffers(text.Length - from + 1, out var hashes, out var starts, out var covered, out var gramKeys, out var gramLetters);
        var n = ShapeTokens(text, from, hashes, starts);
        if (n < NearCopyGram)
            return new NearCopyRun(0, -1, 0);

        // The 4-gram keys, and whether each holds a letter (4-grams of punctuation and numbers alone do not count).
        var grams = n - NearCopyGram + 1;
        GramKeys(hashes[..n], gramKeys[..grams], gramLetters[..grams]);
        if (n >= NearCopyTailTokens + NearCopyGram && !TailMayBeEchoed(gramKeys[..grams], gramLetters[..grams], n))
            return new NearCopyRun(0, -1, 0);

        var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, grams * 2));
        var set = scratch.Set(capacity, out var epoch);
        var tag = (ulong)epoch << 32;
        nint mask = capacity - 1;
        covered[..n].Clear();
        ref var set0 = ref set[0];
        for (var k = 0; k < grams; k++)
        {
            if (gramLetters[k] == 0)
                continue;
            if (Add(ref set0, gramKeys[k], tag, mask) == 0)
                covered.Slice(k, NearCopyGram).Fill(1);
        }

        var tail = 0;
        for (var k = n - NearCopyTailTokens; k < n; k++)
            tail += covered[k];
        if (tail < NearCopyTailEchoed)
            return new NearCopyRun(0, -1, 0);
        // Longest suffix with covered >= 0.8 x length, in integers: 5 x covered >= 4 x length.
        int sum = 0, best = 0;
        for (var len = 1; len <= n; len++)
        {
            sum += covered[n - len];
            if (5 * sum >= 4 * len)
                best = len;
        }
        return new NearCopyRun(best, starts[n - best], (double)best / n);
    }

    private const ulong GramBasis = 0x9E3779B97F4A7C15UL, GramMultiplier = 0xBF58476D1CE4E5B9UL;

    /// <summary>
    /// The key of every 4-gram of <paramref name="shapes"/> (gram k is shapes k..k+3, folded in by xor, multiply and
    /// xor-shift) and whether one of its four tokens holds a letter (a token's lowest bit). Four grams at a time in
    /// 64-bit vector lanes where the processor multiplies them (AVX-512 DQ): the same arithmetic, so the same keys.
    /// </summary>
    internal static void GramKeys(ReadOnlySpan<ulong> shapes, Span<ulong> keys, Span<byte> letters)
    {
        var grams = shapes.Length - NearCopyGram + 1;
        var k = 0;
        if (Avx512DQ.VL.IsSupported && Avx512F.VL.IsSupported)
        {
            ref var s0 = ref MemoryMarshal.GetReference(shapes);
            ref var k0 = ref MemoryMarshal.GetReference(keys);
            ref var l0 = ref MemoryMarshal.GetReference(letters);
            // Unchecked: k + 3 < grams, so the shapes read reach k + 6 < shapes.Length, the keys and letters k + 3 < grams.
            for (; k + Vector256<ulong>.Count <= grams; k += Vector256<ulong>.Count)
            {
                var key = Vector256.Create(GramBasis);
                var any = Vector256<ulong>.Zero;
                for (var j = 0; j < NearCopyGram; j++)
                {
                    var t = Vector256.LoadUnsafe(ref s0, (nuint)(k + j));
                    any |= t;
                    key = Avx512DQ.VL.MultiplyLow(key ^ t, Vector256.Create(GramMultiplier));
                    key ^= Vector256.ShiftRightLogical(key, 31);
                }
                key.StoreUnsafe(ref k0, (nuint)k);
                var bytes = Avx512F.VL.ConvertToVector128Byte(any & Vector256<ulong>.One);
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref l0, k), bytes.AsUInt32().ToScalar());
            }
        }
        for (; k < grams; k++)
        {
            ulong key = GramBasis, any = 0;
            for (var j = 0; j < NearCopyGram; j++)
            {
                var t = shapes[k + j];
                any |= t & 1;
                key = (key ^ t) * GramMultiplier;
                key ^= key >> 31;
            }
            keys[k] = key;
            letters[k] = (byte)any;
        }
    }

    // A test that settles most outputs without the set of all 4-grams: the tail needs 16 of its last 20 tokens in a
    // 4-gram seen earlier, and the set finds a 4-gram only when an earlier one with a letter has the same upper 32 key
    // bits (an entry is those bits; see Add). So when fewer than 16 of the last 20 tokens lie in a 4-gram whose upper
    // bits occur in an earlier lettered 4-gram, fewer are covered, and the result is "no run" either way. The 4-grams that
    // touch the last 20 tokens (at most 20) go in a small table; one pass over all 4-grams finds where each key first occurs.
    private static bool TailMayBeEchoed(ReadOnlySpan<ulong> keys, ReadOnlySpan<byte> letters, int n)
    {
        const int Slots = 64, TopBits = 10, TopBitWords = (1 << TopBits) / 64;
        var firstGram = n - NearCopyTailTokens - NearCopyGram + 1;
        Span<uint> upper = stackalloc uint[Slots];
        Span<int> firstSeen = stackalloc int[Slots]; // -1: empty slot; else the first 4-gram with those bits (int.MaxValue: none yet)
        firstSeen.Fill(-1);
        // Which values the top ten key bits take among the table's entries (a 1,024-bit set): a 4-gram whose top bits
        // are not among them cannot have upper bits in the table, and is passed over without a probe. With at most 20
        // entries, about 98% of an output's 4-grams are (six bits, the filter used before, let a quarter through).
        Span<ulong> topBits = stackalloc ulong[TopBitWords];
        topBits.Clear();
        for (var k = firstGram; k < keys.Length; k++)
        {
            if (letters[k] != 0)
            {
                Slot(upper, firstSeen, (uint)(keys[k] >> 32), insert: true);
                var top = (int)(keys[k] >> (64 - TopBits));
                topBits[top >> 6] |= 1UL << top;
            }
        }
        for (var k = 0; k < keys.Length; k++)
        {
            var top = (int)(keys[k] >> (64 - TopBits));
            if (letters[k] == 0 || ((topBits[top >> 6] >> top) & 1) == 0)
                continue;
            var slot = Slot(upper, firstSeen, (uint)(keys[k] >> 32), insert: false);
            if (slot >= 0 && firstSeen[slot] == int.MaxValue)
                firstSeen[slot] = k;
        }
        var possible = 0;
        for (var t = n - NearCopyTailTokens; t < n; t++)
        {
            // Token t lies in the 4-grams t - 3 .. t (those that exist).
            for (var k = Math.Max(firstGram, t - NearCopyGram + 1); k <= Math.Min(t, keys.Length - 1); k++)
            {
                if (letters[k] != 0 && firstSeen[Slot(upper, firstSeen, (uint)(keys[k] >> 32), insert: false)] < k)
                {
                    possible++;
                    break;
                }
            }
        }
        return possible >= NearCopyTailEchoed;

        // The slot holding these bits (inserted when asked), or -1 when absent.
        static int Slot(Span<uint> upper, Span<int> firstSeen, uint bits, bool insert)
        {
            var slot = (int)((bits * 0x9E3779B1u) >> 26);
            while (firstSeen[slot] >= 0)
            {
                if (upper[slot] == bits)
                    return slot;
                slot = (slot + 1) & (Slots - 1);
            }
            if (!insert)
                return -1;
            (upper[slot], firstSeen[slot]) = (bits, int.MaxValue);
            return slot;
        }
    }
}
