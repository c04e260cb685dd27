using Auditor.Detection.Features;

namespace Auditor.Detection.Tests;

// The near-copy search's tokenizer (FeatureExtractor.ShapeTokens) runs a register-resident ASCII loop and handles other
// characters out of line. Its tokens and offsets equal those of the definition here, the plain character-by-character
// tokenizer it replaced, on edge cases and on random mixed text.
public class ShapeTokenTests
{
    public static TheoryData<string, int> Cases => new()
    {
        { "", 0 },
        { " \t\r\n\v\f ", 0 },
        { "Alice met ALICE and AlIce; A, Ab1 1Ab aB ab Ab", 0 },
        { "order 12 of 3456 items, v2.0.11 and 007bond x9y88z", 0 },
        { "under_score snake_case __init__ a\0b \0\0 \u0001\u007F", 0 },
        { "Привет Мир ПРИВЕТ мир Ǆemal ǅemal ǆemal İstanbul straße ÉCOLE École", 0 },
        { "digits ٣٤٥ ０１２ ৭x 12٣ ٣12 a٣b", 0 },
        { "漢字かなカナ 한국어 文字。「引用」 abc漢def", 0 },
        { "lone \uD800 high, lone \uDC00 low, pair 😀 emoji 👍🏽 and a\uD800b", 0 },
        { "nbsp\u00A0em\u2003space\u2028line\u3000ideo", 0 },
        { "a" + new string('b', 5_000) + "C" + string.Concat(Enumerable.Repeat("x1y22z333", 500)), 0 },
        { "Capitalised Word Again", 3 },   // starting inside a word, as the search does past its window
        { "1234567890 1234567890", 5 },
        { "Ab", 1 },
        { "x", 0 },
        { "Éa Éé éÉ", 0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Equals_the_definition(string text, int from) => AssertSame(text, from);

    [Fact]
    public void Equals_the_definition_on_random_mixed_text()
    {
        var alphabet = "aAzZ09_ \n\t.,-|#*\0\u00E9\u00C9\u0416\u0436\u4E00\u3042\u0663\uFF11\uD83D\uDE00\uD800\u00A0\u2003\u01C5\u0130\u00DF"
            .ToCharArray();
        var random = new Random(20261204);
        for (var round = 0; round < 300; round++)
        {
            var text = DetectorTestKit.RandomMixedText(random, alphabet, 400, alphabetOneIn: 3);
            AssertSame(text, text.Length == 0 ? 0 : random.Next(text.Length));
        }
    }

    private static void AssertSame(string text, int from)
    {
        var (expected, expectedStarts) = Definition(text, from);
        var shapes = new ulong[text.Length - from + 1];
        var starts = new int[text.Length - from + 1];
        var n = FeatureExtractor.ShapeTokens(text, from, shapes, starts);
        Assert.Equal(expected, shapes[..n]);
        Assert.Equal(expectedStarts, starts[..n]);
    }

    // The tokenizer as first written: one character at a time, each class decided by a branch.
    private static (ulong[] Shapes, int[] Starts) Definition(string text, int from)
    {
        var shapes = new List<ulong>();
        var starts = new List<int>();
        var i = from;
        while (i < text.Length)
        {
            var c = text[i];
            var kind = Kind(c);
            if (kind == 0)
            {
                i++;
                continue;
            }
            starts.Add(i);
            if (kind != 1)
            {
                shapes.Add((((c + 0x10000UL) * 0x85EBCA6B_C2B2AE35UL) << 1) | (kind == 3 ? 1UL : 0UL));
                i++;
                continue;
            }
            ulong h = 0xCBF29CE484222325UL, chunk = 0;
            var shift = 0;
            bool letter = false, firstUpper = c < 128 ? c is >= 'A' and <= 'Z' : char.IsUpper(c), restLower = true, restHasLower = false, inDigits = false;
            var start = i;
            for (; i < text.Length; i++)
            {
                var d = text[i];
                if (Kind(d) != 1)
                    break;
                uint folded;
                if (char.IsDigit(d))
                {
                    if (inDigits)
                        continue;
                    inDigits = true;
                    folded = '0';
                }
                else
                {
                    if (i > start)
                    {
                        restLower &= !char.IsUpper(d);
                        restHasLower |= char.IsLower(d);
                    }
                    folded = char.ToLowerInvariant(d);
                    inDigits = false;
                    letter = true;
                }
                chunk |= (ulong)folded << shift;
                shift += 16;
                if (shift == 64)
                {
                    h = Mix(h, chunk);
                    (chunk, shift) = (0, 0);
                }
            }
            if (shift > 0)
                h = Mix(h, chunk);
            if (firstUpper && restLower && restHasLower)
                h = 0x51_7C_C1_B7_27_22_0A_95UL;
            shapes.Add((h << 1) | (letter ? 1UL : 0UL));
        }
        return (shapes.ToArray(), starts.ToArray());

        static ulong Mix(ulong h, ulong chunk)
        {
            h = (h ^ chunk) * 0x9E3779B97F4A7C15UL;
            return h ^ (h >> 29);
        }

        // 0 white space, 1 letter or digit, 2 mark, 3 CJK character (docs/detectors.md, near copies).
        static int Kind(char c)
        {
            if (c < 128)
                return c is ' ' or '\n' or '\t' or '\r' or '\v' or '\f' ? 0 : char.IsAsciiLetterOrDigit(c) ? 1 : 2;
            if (c is >= '\u3040' and <= '\u30FF' or >= '\u3400' and <= '\u4DBF' or >= '\u4E00' and <= '\u9FFF'
                or >= '\uAC00' and <= '\uD7AF' or >= '\uF900' and <= '\uFAFF')
            {
                return 3;
            }
            if (char.IsWhiteSpace(c))
                return 0;
            return char.IsLetterOrDigit(c) ? 1 : 2;
        }
    }
}
