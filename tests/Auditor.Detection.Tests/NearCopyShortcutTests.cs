using System.Text;
using Auditor.Detection.Features;
using static Auditor.Detection.Tests.DetectorTestKit;

namespace Auditor.Detection.Tests;

// The near-copy search settles most outputs by a test on the tail's 4-grams before it builds the set of all 4-grams
// (TailMayBeEchoed, with a filter on the keys' top bits). Just inside and just outside the tail condition (16 of the last
// 20 tokens in a 4-gram seen earlier), and on other shapes, the feature equals the sign computed from its definition
// here, with real token equality and no shortcut.
public class NearCopyShortcutTests
{
    // Distinct lower-case words of letters only ("baa", "bab", ...): no two share a shape.
    private static string Word(int i)
    {
        var sb = new StringBuilder("b");
        for (var k = 0; k < 3; k++, i /= 26)
            sb.Append((char)('a' + i % 26));
        return sb.ToString();
    }

    // 300 distinct words, then the tail: `copied` words copied from earlier in the text, then 20 - copied new ones.
    private static string TailWithCopiedTokens(int copied) =>
        string.Join(' ', Enumerable.Range(0, 300).Select(Word)
            .Concat(Enumerable.Range(100, copied).Select(Word))
            .Concat(Enumerable.Range(5_000, 20 - copied).Select(Word)));

    [Theory]
    [InlineData(16, true)]  // just inside: the tail condition holds
    [InlineData(15, false)] // just outside
    public void Finds_a_near_copy_run_exactly_where_the_definition_does(int copied, bool found)
    {
        var text = TailWithCopiedTokens(copied);
        var f = FeatureExtractor.Extract(Sample(text));
        var expected = Definition(text, f.WordCount);
        Assert.Equal(found, expected.Tokens > 0);
        Assert.Equal(expected, (f.NearCopyRunTokens, f.NearCopyRunStart));
    }

    public static TheoryData<string> OtherShapes => new()
    {
        // A template line with a changing name and number: near copies to the end.
        string.Concat(Enumerable.Range(0, 60).Select(i => $"Dear {(i % 2 == 0 ? "Alice" : "Robert")}, your order {i * 7} of {i + 3} items ships today.\n")),
        // Prose with no repeated 4-gram, then a loop of a short sentence.
        string.Join(' ', Enumerable.Range(0, 250).Select(Word)) + string.Concat(Enumerable.Repeat(" The cat sat on the mat.", 12)),
        // Marks and numbers alone repeat (a table rule): 4-grams without a letter do not count.
        string.Join(' ', Enumerable.Range(0, 250).Select(Word)) + string.Concat(Enumerable.Repeat(" | --- | 12 |", 30)),
    };

    [Theory]
    [MemberData(nameof(OtherShapes))]
    public void Equals_the_definition_on_other_shapes(string text)
    {
        var f = FeatureExtractor.Extract(Sample(text));
        Assert.Equal(Definition(text, f.WordCount), (f.NearCopyRunTokens, f.NearCopyRunStart));
    }

    // The sign as docs/detectors.md states it, for ASCII text: tokens are runs of letters and digits (lower-cased, a run
    // of digits read as one digit, a capitalised word read as "a name") and single marks; a 4-gram holding a letter is
    // seen earlier when an equal one occurs before it; the text must end with 16 of its last 20 tokens in such 4-grams,
    // and the run is the longest suffix 80% covered.
    private static (int Tokens, int Start) Definition(string text, int wordCount)
    {
        if (wordCount < FeatureExtractor.NearCopyMinTokens)
            return (0, -1);
        var tokens = new List<(string Shape, bool Letter, int Start)>();
        for (var i = 0; i < text.Length;)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            if (!char.IsAsciiLetterOrDigit(c))
            {
                tokens.Add((c.ToString(), false, i));
                i++;
                continue;
            }
            var start = i;
            while (i < text.Length && char.IsAsciiLetterOrDigit(text[i]))
                i++;
            var word = text[start..i];
            var name = char.IsAsciiLetterUpper(word[0]) && word.Length > 1 && word[1..].All(char.IsAsciiLetterLower);
            var shape = name ? "<name>" : System.Text.RegularExpressions.Regex.Replace(word.ToLowerInvariant(), "[0-9]+", "0");
            tokens.Add((shape, word.Any(char.IsAsciiLetter), start));
        }
        var n = tokens.Count;
        var covered = new bool[n];
        var seen = new HashSet<string>();
        for (var k = 0; k + FeatureExtractor.NearCopyGram <= n; k++)
        {
            var gram = tokens.Skip(k).Take(FeatureExtractor.NearCopyGram).ToList();
            if (!gram.Any(t => t.Letter))
                continue;
            if (!seen.Add(string.Join("\u0001", gram.Select(t => t.Shape))))
            {
                for (var j = k; j < k + FeatureExtractor.NearCopyGram; j++)
                    covered[j] = true;
            }
        }
        if (n < FeatureExtractor.NearCopyTailTokens || covered[^FeatureExtractor.NearCopyTailTokens..].Count(x => x) < FeatureExtractor.NearCopyTailEchoed)
            return (0, -1);
        int sum = 0, best = 0;
        for (var len = 1; len <= n; len++)
        {
            sum += covered[n - len] ? 1 : 0;
            if (5 * sum >= 4 * len)
                best = len;
        }
        return (best, tokens[n - best].Start);
    }
}
