using System.Buffers;
using Auditor.Detection.Features;

namespace Auditor.Detection.Tests;

// The word split's hot loop (FeatureExtractor.SplitAscii) takes two characters per iteration and stops at any character
// outside its plain-ASCII set. Driven as Scan drives it, its tokens equal those of the definition: WordSplit.Add on
// every character, one at a time. Runs of odd and even lengths, stops at every parity, NUL, controls, non-ASCII,
// surrogates, very long runs, empty text and random strings.
public class WordSplitTests
{
    // Plain ASCII as in a template token set: everything below 128 but '<' and '[' (template tokens start there).
    private static readonly SearchValues<char> PlainAscii =
        SearchValues.Create(Enumerable.Range(0, 128).Where(c => c != '<' && c != '[').Select(c => (char)c).ToArray());

    public static TheoryData<string> Cases => new()
    {
        "",
        "a",
        "ab",
        "abc",
        "a b",
        "ab,",
        "Hello, world! 12 apples; 3.5 pears.",
        "x<y[z<[a",
        "<",
        "a\0b \0\0 \u0001\u007F end",
        "Привет мир, straße ÉCOLE, 漢字かな 한국어.",
        "lone \uD800 high, lone \uDC00 low, pair 😀 and a\uD800b",
        "under_score snake_case __init__",
        new string('w', 10_001),
        string.Concat(Enumerable.Repeat("word, ", 3_000)) + "end",
        string.Concat(Enumerable.Repeat("ab<", 500)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Equals_the_definition(string text) => AssertSame(text);

    [Fact]
    public void Equals_the_definition_on_random_strings()
    {
        var alphabet = "aZ09_ \n\t.,-<[#\0\u00E9\u0416\u4E00\uD83D\uDE00\uD800\u00A0".ToCharArray();
        var random = new Random(20261204);
        for (var round = 0; round < 500; round++)
        {
            AssertSame(DetectorTestKit.RandomMixedText(random, alphabet, 300, alphabetOneIn: 3));
        }
    }

    private static void AssertSame(string text)
    {
        var loop = new int[text.Length + 1];
        var split = default(FeatureExtractor.WordSplit);
        var i = 0;
        while ((i = FeatureExtractor.SplitAscii(text, i, loop, PlainAscii, ref split)) < text.Length)
        {
            split.Add(loop, text[i], Flags(text[i]));
            i++;
        }
        var n = split.Finish(loop);

        var definition = new int[text.Length + 1];
        var one = default(FeatureExtractor.WordSplit);
        foreach (var c in text)
            one.Add(definition, c, Flags(c));
        var m = one.Finish(definition);

        Assert.Equal(definition[..m], loop[..n]);
    }

    // The class flags of a character: the ASCII table, and for others a letter or digit is a word character, anything
    // else punctuation (both sides use the same flags; only the loop differs).
    private static int Flags(char c) => c < 128 ? FeatureExtractor.s_asciiFlags[c] : char.IsLetterOrDigit(c) ? 1 : 2;
}
