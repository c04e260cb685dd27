using Auditor.Detection.Features;
using static Auditor.Detection.Tests.DetectorTestKit;

namespace Auditor.Detection.Tests;

// Distinct n-grams are counted in one pass with four sets for outputs of up to 4,096 words (sets an eighth full up to
// 256 words, a quarter above), and in one pass per n above that. On both sides of both boundaries, and on the shortest outputs (fewer words than n), the counts equal the
// definition: distinct word tuples, counted exactly.
public class NGramCountTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(100)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(257)]
    [InlineData(1_500)]
    [InlineData(4_095)]
    [InlineData(4_096)]
    [InlineData(4_097)]
    [InlineData(9_000)]
    public void Distinct_n_grams_equal_the_definition(int wordCount)
    {
        // A small vocabulary, so that n-grams repeat (a fixed seed: the same text every run).
        var random = new Random(wordCount);
        var words = Enumerable.Range(0, wordCount).Select(_ => "w" + (char)('a' + random.Next(6)) + (char)('a' + random.Next(3))).ToArray();
        var f = FeatureExtractor.Extract(Sample(string.Join(' ', words)));
        Assert.Equal(wordCount, f.WordCount);
        Assert.Equal(Distinct(words, 1), f.Distinct1);
        Assert.Equal(Distinct(words, 2), f.Distinct2);
        Assert.Equal(Distinct(words, 3), f.Distinct3);
        Assert.Equal(Distinct(words, 4), f.Distinct4);
        if (wordCount >= 4)
            Assert.Equal(1 - (double)Distinct(words, 4) / (wordCount - 3), f.SeqRep4, 12);
    }

    private static int Distinct(string[] words, int n) =>
        Enumerable.Range(0, Math.Max(0, words.Length - n + 1)).Select(i => string.Join(' ', words[i..(i + n)])).Distinct().Count();
}
