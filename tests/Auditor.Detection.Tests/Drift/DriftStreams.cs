using Auditor.Detection.Features;

namespace Auditor.Detection.Tests.Drift;

/// <summary>Synthetic feature vectors shaped like the corpus: normal prose, looping outputs, and length shifts.</summary>
internal sealed class DriftStreams(int seed)
{
    /// <summary>When replayed streams start.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    /// <summary>2,000 samples an hour: a 500-sample delay is 15 minutes of traffic.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1) / 2000;

    private readonly Random _random = new(seed);

    public OutputFeatures Normal(double lengthFactor = 1)
    {
        var chars = (int)Math.Max(20, Math.Exp(Gaussian(6.2, 0.45)) * lengthFactor);
        var words = (int)(chars / Uniform(5.2, 6.2));
        return new OutputFeatures
        {
            CharLength = chars, Utf8Bytes = chars, NonWhitespaceChars = (int)(chars * Uniform(0.8, 0.86)),
            WordCount = words, LineCount = 1 + _random.Next(0, 1 + chars / 300),
            SeqRep1 = Clamp(Gaussian(0.35, 0.06)), SeqRep2 = Clamp(Gaussian(0.06, 0.03)), SeqRep3 = Clamp(Gaussian(0.02, 0.015)),
            SeqRep4 = Clamp(Gaussian(0.012, 0.01)), RepeatedShare = Clamp(Gaussian(0.03, 0.02)), WeightedCopiedChars = Math.Max(0, Gaussian(2, 2)),
            CompressionRatio = Gaussian(1.75, 0.12), LatinLetters = (int)(chars * 0.78), FinishedByLength = _random.NextDouble() < 0.05,
        };
    }

    /// <summary>An output that ends in a loop, as beam search produces.</summary>
    public OutputFeatures Looping()
    {
        var chars = (int)Math.Exp(Gaussian(6.4, 0.4));
        var loop = Uniform(0.4, 0.85);
        return new OutputFeatures
        {
            CharLength = chars, Utf8Bytes = chars, NonWhitespaceChars = (int)(chars * 0.82), WordCount = chars / 6, LineCount = 1 + chars / 200,
            SeqRep1 = Clamp(Gaussian(0.7, 0.08)), SeqRep2 = Clamp(Gaussian(0.6, 0.1)), SeqRep3 = Clamp(Gaussian(0.55, 0.1)), SeqRep4 = Clamp(Gaussian(0.5, 0.12)),
            RepeatedShare = loop, WeightedCopiedChars = chars * loop * 0.8, CompressionRatio = Gaussian(3.5, 0.6),
            TrailingLoopLength = (int)(chars * loop), TrailingLoopPeriod = _random.Next(20, 120), LatinLetters = (int)(chars * 0.78),
        };
    }

    public IEnumerable<OutputFeatures> Stream(int count, Func<DriftStreams, OutputFeatures> make)
    {
        for (var i = 0; i < count; i++)
            yield return make(this);
    }

    public IEnumerable<float[]> Vectors(int count, Func<DriftStreams, OutputFeatures> make) => Stream(count, make).Select(f => f.ToVector());

    public List<OutputFeatures> Baseline(int count = 2000) => Stream(count, s => s.Normal()).ToList();

    private double Uniform(double a, double b) => a + (b - a) * _random.NextDouble();

    private double Gaussian(double mean, double sd) =>
        mean + sd * Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());

    private static double Clamp(double v) => Math.Clamp(v, 0, 1);
}
