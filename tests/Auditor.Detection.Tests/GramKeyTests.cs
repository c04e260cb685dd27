using Auditor.Detection.Features;

namespace Auditor.Detection.Tests;

// The near-copy search's 4-gram keys (FeatureExtractor.GramKeys) are computed four grams at a time in vector lanes where
// the processor allows, one at a time for the rest: both equal the definition (xor, multiply, xor-shift over the four
// shapes; a letter when one shape's lowest bit is set) for every number of shapes, so every split between the two parts.
public class GramKeyTests
{
    [Fact]
    public void Equal_the_definition_for_every_length()
    {
        var random = new Random(20261206);
        for (var n = FeatureExtractor.NearCopyGram; n <= 80; n++)
        {
            for (var round = 0; round < 20; round++)
            {
                var shapes = new ulong[n];
                for (var k = 0; k < n; k++)
                {
                    // Full 64-bit values; a quarter of them even (no letter), and some grams with no letter at all.
                    shapes[k] = ((ulong)random.NextInt64() << 1) | (uint)random.Next(2);
                    if (random.Next(4) == 0)
                        shapes[k] &= ~1UL;
                    if (round % 5 == 0)
                        shapes[k] &= ~1UL;
                }
                AssertSame(shapes);
            }
        }
    }

    [Fact]
    public void Equal_the_definition_on_extreme_values()
    {
        AssertSame([0, 0, 0, 0, 0, 0, 0, 0, 0]);
        AssertSame([ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, 1, 0, 1, 0]);
        AssertSame([1, 2, 3, 4]);
    }

    private static void AssertSame(ulong[] shapes)
    {
        var grams = shapes.Length - FeatureExtractor.NearCopyGram + 1;
        // Larger than needed and pre-filled: nothing past the grams may be written.
        var keys = Enumerable.Repeat(0xDEADUL, grams + 8).ToArray();
        var letters = Enumerable.Repeat((byte)0xAB, grams + 8).ToArray();
        FeatureExtractor.GramKeys(shapes, keys.AsSpan(0, grams), letters.AsSpan(0, grams));
        for (var k = 0; k < grams; k++)
        {
            ulong key = 0x9E3779B97F4A7C15UL, any = 0;
            for (var j = 0; j < FeatureExtractor.NearCopyGram; j++)
            {
                any |= shapes[k + j] & 1;
                key = (key ^ shapes[k + j]) * 0xBF58476D1CE4E5B9UL;
                key ^= key >> 31;
            }
            Assert.Equal(key, keys[k]);
            Assert.Equal((byte)any, letters[k]);
        }
        Assert.All(keys[grams..], v => Assert.Equal(0xDEADUL, v));
        Assert.All(letters[grams..], v => Assert.Equal((byte)0xAB, v));
    }
}
