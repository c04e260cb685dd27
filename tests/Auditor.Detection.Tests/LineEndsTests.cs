using Auditor.Detection.Features;

namespace Auditor.Detection.Tests;

// The shared line split (FeatureExtractor.LineEnds) gives the lines of text.Split('\n'): CR, CRLF and lone CR stay in
// their line, empty lines and a missing or present trailing newline count as there, non-ASCII and surrogates are plain
// characters. Newlines at every offset of a vector block (the vectorised part and the scalar tail), and random texts.
public class LineEndsTests
{
    public static TheoryData<string> Cases => new()
    {
        "",
        "\n",
        "\n\n",
        "a",
        "a\n",
        "\na",
        "one\r\ntwo\r\n",
        "lone\rcarriage\rreturns",
        "mixed\r\n\n\r\r\nend",
        "no trailing newline\nsecond line",
        "\n\n\nthree empty lines first",
        "Привет\nмир\n漢字\n😀\n\uD800\n\uDC00x",
        "nul\0\n\0\n",
        new string('\n', 100),
        new string('x', 1_000) + "\n" + new string('y', 999),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Splits_as_Split_on_newline(string text) => AssertSame(text);

    [Fact]
    public void Finds_a_newline_at_every_offset_of_a_block()
    {
        for (var length = 0; length <= 70; length++)
        {
            for (var at = 0; at < length; at++)
            {
                var chars = new string('a', length).ToCharArray();
                chars[at] = '\n';
                AssertSame(new string(chars));
                chars[length - 1 - (at % Math.Max(1, length))] = '\n';
                AssertSame(new string(chars));
            }
        }
    }

    [Fact]
    public void Splits_random_texts_as_Split_on_newline()
    {
        var alphabet = "ab \t\r\n\n\r\n\0\u00E9\u0416\u4E00\uD83D\uDE00\uD800\u2028\u0085\u000B".ToCharArray();
        var random = new Random(20261205);
        for (var round = 0; round < 2_000; round++)
        {
            var text = DetectorTestKit.RandomMixedText(random, alphabet, 400, alphabetOneIn: 4);
            AssertSame(random.Next(2) == 0 ? text + "\n" : text);
        }
    }

    [Fact]
    public void Needs_room_for_one_more_entry_than_characters() =>
        Assert.Throws<ArgumentException>(() => FeatureExtractor.LineEnds("a\nb", new int[3]));

    private static void AssertSame(string text)
    {
        // A buffer larger than needed, filled with a marker, so entries past the count are not mistaken for lines.
        var ends = Enumerable.Repeat(-7, text.Length + 5).ToArray();
        var count = FeatureExtractor.LineEnds(text, ends);
        var lines = new List<string>();
        var start = 0;
        for (var k = 0; k < count; k++)
        {
            lines.Add(text[start..ends[k]]);
            start = ends[k] + 1;
        }
        Assert.Equal(text.Split('\n'), lines);
        Assert.Equal(text.Length, ends[count - 1]);
        Assert.Equal(-7, ends[count]);
    }
}
