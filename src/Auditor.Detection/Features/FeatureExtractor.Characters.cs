using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Auditor.Detection.Features;

// Character classes and scripts, the vectorised ASCII counts and the out-of-line handling of rare characters.
public static partial class FeatureExtractor
{
    private enum CharClass : byte { Letter, Digit, Space, Punct, Control }

    private static readonly CharClass[] s_ascii = BuildAsciiTable();

    private static CharClass[] BuildAsciiTable()
    {
        var table = new CharClass[128];
        for (var c = 0; c < 128; c++)
        {
            table[c] = c switch
            {
                ' ' or '\n' or '\t' or '\r' or '\v' or '\f' => CharClass.Space,
                < 32 or 127 => CharClass.Control,
                >= 'a' and <= 'z' or >= 'A' and <= 'Z' or '_' => CharClass.Letter,
                >= '0' and <= '9' => CharClass.Digit,
                _ => CharClass.Punct,
            };
        }
        return table;
    }

    private readonly record struct AsciiCounts(int Letters, int Spaces, int Controls);

    // Counts ASCII letters (a-z, A-Z), white space (space, tab, LF, VT, FF, CR) and other control characters (C0 and DEL)
    // sixteen or more characters at a time, and writes the copy of the text with ASCII digits folded to '0' (the word
    // split folds the rare non-ASCII digits). Lane counters are 16-bit, so they are emptied every 32,768 vectors.
    private static AsciiCounts CountAsciiAndFoldDigits(ReadOnlySpan<char> text, Span<char> folded)
    {
        var u = MemoryMarshal.Cast<char, ushort>(text);
        var o = MemoryMarshal.Cast<char, ushort>(folded[..text.Length]);
        ref var u0 = ref MemoryMarshal.GetReference(u);
        ref var o0 = ref MemoryMarshal.GetReference(o);
        int letters = 0, spaces = 0, controls = 0, i = 0;
        var width = Vector<ushort>.Count;
        while (i + width <= u.Length)
        {
            Vector<ushort> accLetters = default, accSpaces = default, accControls = default;
            var blockEnd = Math.Min(u.Length - width + 1, i + 32_768 * width);
            for (; i < blockEnd; i += width)
            {
                var v = Vector.LoadUnsafe(ref u0, (nuint)i); // unchecked: i <= u.Length - width
                var isLetter = Vector.LessThan((v | new Vector<ushort>(0x20)) - new Vector<ushort>('a'), new Vector<ushort>(26));
                var isSpace = Vector.Equals(v, new Vector<ushort>(' '))
                    | Vector.LessThan(v - new Vector<ushort>('\t'), new Vector<ushort>(5)); // \t \n \v \f \r
                var isControl = Vector.AndNot(Vector.LessThan(v, new Vector<ushort>(0x20)) | Vector.Equals(v, new Vector<ushort>(0x7F)), isSpace);
                accLetters -= isLetter; // a true lane is all ones, that is -1
                accSpaces -= isSpace;
                accControls -= isControl;
                var isDigit = Vector.LessThan(v - new Vector<ushort>('0'), new Vector<ushort>(10));
                Vector.ConditionalSelect(isDigit, new Vector<ushort>('0'), v).StoreUnsafe(ref o0, (nuint)i);
            }
            letters += SumLanes(accLetters);
            spaces += SumLanes(accSpaces);
            controls += SumLanes(accControls);
        }
        for (; i < u.Length; i++)
        {
            var c = u[i];
            letters += (ushort)((c | 0x20) - 'a') < 26 ? 1 : 0;
            var space = c == ' ' || (ushort)(c - '\t') < 5;
            spaces += space ? 1 : 0;
            controls += !space && (c < 0x20 || c == 0x7F) ? 1 : 0;
            o[i] = (ushort)(c - '0') < 10 ? '0' : c;
        }
        return new AsciiCounts(letters, spaces, controls);

        static int SumLanes(Vector<ushort> v)
        {
            var sum = 0;
            for (var k = 0; k < Vector<ushort>.Count; k++)
                sum += v[k];
            return sum;
        }
    }

    private struct ColdCounts
    {
        public int Latin, Greek, Cyrillic, ArabicHebrew, Cjk, OtherScript, Replacement, Control;
        public int TemplateHits, TemplateStart, TemplateLength, TemplateIndex;
        public int EndOfSequenceStart, EndOfSequenceLength; // the first token that ends a sequence
        public bool StrikeOpen; // an HTML <s> element is open, so the next "</s>" on its line closes it
        public int StrikeOpenAt;
    }

    // Counts a non-ASCII character by script (and looks for a template token there); returns its class flags.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int CountNonAscii(ReadOnlySpan<char> text, int i, TemplateTokenSet tokens, ref ColdCounts cold)
    {
        var c = text[i];
        var (cls, script) = ClassifyNonAscii(c);
        switch (script)
        {
            case Script.Latin: cold.Latin++; break;
            case Script.Greek: cold.Greek++; break;
            case Script.Cyrillic: cold.Cyrillic++; break;
            case Script.ArabicHebrew: cold.ArabicHebrew++; break;
            case Script.Cjk: cold.Cjk++; break;
            case Script.Other: cold.OtherScript++; break;
        }
        if (c == '\uFFFD')
            cold.Replacement++;
        if (cls == CharClass.Control)
            cold.Control++;
        if (tokens.HasNonAsciiTriggers && tokens.MayStart(c))
            MatchTemplateToken(text, i, tokens, ref cold);
        return cls switch
        {
            CharClass.Letter => WordFlag, // its script is counted above
            CharClass.Digit => WordFlag | DigitFlag,
            CharClass.Space => SpaceFlag,
            CharClass.Control => ControlFlag,
            _ => PunctFlag,
        };
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MatchTemplateToken(ReadOnlySpan<char> text, int i, TemplateTokenSet tokens, ref ColdCounts cold)
    {
        if (OpensHtmlStrike(text, i))
            (cold.StrikeOpen, cold.StrikeOpenAt) = (true, i);
        var (index, length) = tokens.MatchAt(text, i);
        if (index < 0)
            return;
        // "</s>" closing an HTML strikethrough ("was <s>$30</s> now $20") is markup, not Llama 2's end of sequence.
        // Only on the line the element opened on: struck-out text is a price or a phrase, not sentences across lines.
        if (cold.StrikeOpen && length == 4 && text.Slice(i, 4).SequenceEqual("</s>") && !text[cold.StrikeOpenAt..i].Contains('\n'))
        {
            cold.StrikeOpen = false;
            return;
        }
        if (cold.TemplateHits++ == 0)
            (cold.TemplateStart, cold.TemplateLength, cold.TemplateIndex) = (i, length, index);
        if (cold.EndOfSequenceStart < 0 && tokens.EndsSequence(index))
            (cold.EndOfSequenceStart, cold.EndOfSequenceLength) = (i, length);
    }

    // An HTML <s> element opening on struck-out text ("<s>$30") or <s attr="...">. Not Llama's begin-of-sequence token:
    // "<s>" as the output's first visible text, "<s>" followed by white space (the tokenizer's "<s> Hello"), or before an
    // [INST] turn.
    private static bool OpensHtmlStrike(ReadOnlySpan<char> text, int i)
    {
        if (i + 3 >= text.Length || text[i] != '<' || (text[i + 1] | 0x20) != 's' || text[i + 2] is not ('>' or ' '))
            return false;
        if (text[..i].IsWhiteSpace())
            return false;
        if (text[i + 2] == ' ')
            return char.IsAsciiLetter(text[i + 3]) && text[(i + 3)..].IndexOfAny('=', '>') is var eq and >= 0 && text[i + 3 + eq] == '=';
        return !char.IsWhiteSpace(text[i + 3]) && !text[(i + 3)..].StartsWith("[INST]", StringComparison.Ordinal);
    }

    private const int WordFlag = 1, PunctFlag = 2, SpaceFlag = 4, ControlFlag = 8, LetterFlag = 16, DigitFlag = 32;

    internal static readonly byte[] s_asciiFlags = BuildAsciiFlags();

    private static byte[] BuildAsciiFlags()
    {
        var table = new byte[128];
        for (var c = 0; c < 128; c++)
        {
            table[c] = s_ascii[c] switch
            {
                CharClass.Letter => WordFlag | LetterFlag,
                CharClass.Digit => WordFlag | DigitFlag,
                CharClass.Space => SpaceFlag,
                CharClass.Control => ControlFlag,
                _ => PunctFlag,
            };
        }
        return table;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int MixWord(uint h) => (int)(h * 0x9E3779B1u ^ (h >> 15));

    // A punctuation mark or CJK character is a word of its own.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PunctuationToken(char c) => (int)(0x85EBCA6Bu * (c + 0x10000u));

    private enum Script : byte { None, Latin, Greek, Cyrillic, ArabicHebrew, Cjk, Other }

    private static (CharClass Class, Script Script) ClassifyNonAscii(char c)
    {
        if (c == '\uFFFD')
            return (CharClass.Punct, Script.None);
        if (c is >= '\u3040' and <= '\u30FF' or >= '\u3400' and <= '\u4DBF' or >= '\u4E00' and <= '\u9FFF'
            or >= '\uAC00' and <= '\uD7AF' or >= '\uF900' and <= '\uFAFF')
        {
            // A CJK character is a word of its own: these scripts do not separate words with spaces.
            return (CharClass.Punct, Script.Cjk);
        }
        if (char.IsWhiteSpace(c))
            return (CharClass.Space, Script.None);
        if (c is >= '\u0080' and <= '\u009F')
            return (CharClass.Control, Script.None);
        if (char.IsDigit(c))
            return (CharClass.Digit, Script.None);
        if (!char.IsLetter(c))
            return (CharClass.Punct, Script.None);
        return c switch
        {
            < '\u0250' or >= '\u1E00' and <= '\u1EFF' => (CharClass.Letter, Script.Latin),
            >= '\u0370' and <= '\u03FF' => (CharClass.Letter, Script.Greek),
            >= '\u0400' and <= '\u052F' => (CharClass.Letter, Script.Cyrillic),
            >= '\u0590' and <= '\u06FF' or >= '\u0750' and <= '\u077F' => (CharClass.Letter, Script.ArabicHebrew),
            _ => (CharClass.Letter, Script.Other),
        };
    }
}
