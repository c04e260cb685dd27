using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Auditor.Detection.Features;

// The near-copy search's tokens: shapes of words (digits, case and capitalised names folded) and single marks.
public static partial class FeatureExtractor
{
    private const ulong ShapeBasis = 0xCBF29CE484222325UL;

    // Class flags of a word character: a digit, or a letter (upper case, lower case, or neither: a letter of a script
    // without case). An ASCII character that is not part of a word is white space (skipped) or a mark.
    private const uint ShapeDigit = 1 << 8, ShapeLetter = 1 << 9, ShapeUpper = 1 << 10, ShapeLower = 1 << 11;
    private const uint ShapeWordFlags = ShapeDigit | ShapeLetter, ShapeBlank = 1 << 12, ShapeMark = 1 << 13;

    // Per ASCII character: white space, a mark, or a word character's flags with, in the low seven bits, its folded form
    // (a letter lower-cased, a digit read as '0'). The classes are those of Kind (s_nearCopyAscii).
    private static readonly ushort[] s_shapeAscii = Enumerable.Range(0, 128).Select(c => (char)c switch
    {
        >= '0' and <= '9' => (ushort)('0' | ShapeDigit),
        >= 'a' and <= 'z' => (ushort)(c | ShapeLetter | ShapeLower),
        >= 'A' and <= 'Z' => (ushort)((c | 0x20) | ShapeLetter | ShapeUpper),
        ' ' or '\n' or '\t' or '\r' or '\v' or '\f' => (ushort)ShapeBlank,
        _ => (ushort)ShapeMark,
    }).ToArray();

    // The tokenizer's state between its ASCII loop and the rare characters handled out of line.
    private struct ShapeState
    {
        public int Count;     // tokens written
        public ulong Hash, Chunk;
        public int Shift;     // bits of the chunk filled: 0, 16, 32 or 48
        public uint Previous; // flags of the word's previous character (0 at its start)
        public uint Flags;    // 0 outside a word; in one, the first character's flags << 16 | the later characters' flags, or-ed
    }

    /// <summary>
    /// Writes the shape tokens of <paramref name="text"/> from <paramref name="from"/> on, each with its start offset, and
    /// returns their number. A run of letters and digits is one token, lower-cased, each run of digits read as one digit,
    /// a capitalised word (an upper-case letter, then lower-case ones) read as "a name"; a CJK character or a punctuation
    /// mark is a token of its own. A token's lowest bit says whether it holds a letter (a CJK character does). Both spans
    /// need room for one token per character.
    /// </summary>
    internal static int ShapeTokens(ReadOnlySpan<char> text, int from, Span<ulong> shapes, Span<int> starts)
    {
        var state = default(ShapeState);
        var i = from;
        while ((i = ShapeAscii(text, i, shapes, starts, ref state)) < text.Length)
        {
            var c = text[i];
            var kind = Kind(c);
            if (kind == Word)
            {
                var flags = NonAsciiShapeFlags(c);
                AddShapeChar(ref state, (flags & ShapeDigit) != 0 ? '0' : char.ToLowerInvariant(c), flags, i, starts);
            }
            else
            {
                if (state.Flags != 0)
                    shapes[state.Count++] = EndWord(ref state);
                if (kind != Blank)
                {
                    starts[state.Count] = i;
                    shapes[state.Count++] = (PunctuationShape(c) << 1) | (kind == Ideograph ? 1UL : 0UL);
                }
            }
            i++;
        }
        if (state.Flags != 0)
            shapes[state.Count++] = EndWord(ref state);
        return state.Count;
    }

    // The hot loop: ASCII characters from i on, until the end or a non-ASCII character (returns where it stopped). A
    // method of its own with the state in locals, so that they live in registers (spilled around the calls for rare
    // characters, each character waited on stores and loads of the chunk and shift). Unchecked indexing: at < end =
    // text.Length; d < 128 = the table's length; a token ends no later than its last character, so count <= at + 1 - from
    // <= the spans' length (one token per character from `from` on).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int ShapeAscii(ReadOnlySpan<char> text, int i, Span<ulong> shapes, Span<int> starts, ref ShapeState state)
    {
        ref var t0 = ref MemoryMarshal.GetReference(text);
        ref var table0 = ref MemoryMarshal.GetArrayDataReference(s_shapeAscii);
        ref var shapes0 = ref MemoryMarshal.GetReference(shapes);
        ref var starts0 = ref MemoryMarshal.GetReference(starts);
        var s = state;
        nint at = i, end = text.Length;
        for (; at < end; at++)
        {
            uint d = Unsafe.Add(ref t0, at);
            if (d >= 128)
                break;
            uint e = Unsafe.Add(ref table0, (nint)d);
            if ((e & ShapeWordFlags) != 0)
            {
                AddShapeChar(ref s, e & 0x7Fu, e, (int)at, starts);
                continue;
            }
            if (s.Flags != 0)
                Unsafe.Add(ref shapes0, s.Count++) = EndWord(ref s);
            if (e == ShapeMark)
            {
                Unsafe.Add(ref starts0, s.Count) = (int)at;
                Unsafe.Add(ref shapes0, s.Count++) = PunctuationShape((char)d) << 1;
            }
        }
        state = s;
        return (int)at;
    }

    // A letter or digit: starts a word or goes on with one. Adds its folded form unless it is a digit after a digit (a
    // run of digits reads as one digit). A folded character is never 0 (NUL is not a word character), so the packing
    // into 64-bit chunks, four characters each, is one-to-one; the hash takes one multiply per chunk.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddShapeChar(ref ShapeState s, uint folded, uint flags, int at, Span<int> starts)
    {
        if (s.Flags == 0)
        {
            Unsafe.Add(ref MemoryMarshal.GetReference(starts), s.Count) = at; // in bounds: see ShapeAscii
            (s.Hash, s.Chunk, s.Shift, s.Previous, s.Flags) = (ShapeBasis, 0, 0, 0, flags << 16);
        }
        else
        {
            s.Flags |= flags;
        }
        var keep = ((flags & s.Previous & ShapeDigit) / ShapeDigit) ^ 1;
        s.Previous = flags;
        s.Chunk |= (ulong)(folded * keep) << s.Shift;
        s.Shift += (int)(keep << 4);
        if (s.Shift == 64)
            (s.Hash, s.Chunk, s.Shift) = (MixShapeChunk(s.Hash, s.Chunk), 0, 0);
    }

    // The word's token, and the state outside a word. A capitalised word (an upper-case letter, then lower-case ones
    // only) reads as "a name"; the lowest bit says whether the word holds a letter.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong EndWord(ref ShapeState s)
    {
        var h = s.Shift > 0 ? MixShapeChunk(s.Hash, s.Chunk) : s.Hash;
        var first = s.Flags >> 16;
        if ((first & ShapeUpper) != 0 && (s.Flags & (ShapeUpper | ShapeLower)) == ShapeLower)
            h = s_nameShape;
        var letter = (((first | s.Flags) & ShapeLetter) != 0) ? 1UL : 0UL;
        s.Flags = 0;
        return (h << 1) | letter;
    }

    // Every bit of the chunk reaches every bit of the hash (a multiply alone carries bits upwards only).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MixShapeChunk(ulong h, ulong chunk)
    {
        h = (h ^ chunk) * 0x9E3779B97F4A7C15UL;
        return h ^ (h >> 29);
    }

    private static ulong PunctuationShape(char c) => (c + 0x10000UL) * 0x85EBCA6B_C2B2AE35UL;

    // Class flags of a non-ASCII word character (a letter or digit of some script).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static uint NonAsciiShapeFlags(char c)
    {
        if (char.IsDigit(c))
            return ShapeDigit;
        return ShapeLetter | (char.IsUpper(c) ? ShapeUpper : 0) | (char.IsLower(c) ? ShapeLower : 0);
    }
}
