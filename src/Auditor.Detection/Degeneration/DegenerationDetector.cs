using System.Globalization;

namespace Auditor.Detection.Degeneration;

/// <summary>
/// Flags looping or degenerate text: most of the output copies earlier output, or it compresses far better than
/// natural text of its length. Score: the larger of the repeated share (characters in copies of 24+ characters,
/// digits folded) and half the compression ratio over its length-aware threshold, so both read on one scale and
/// the default threshold 0.5 means "half of the output repeats itself".
/// </summary>
public sealed class DegenerationDetector : IDetector
{
    public string Name => "degeneration";

    public double DefaultThreshold => 0.5;

    /// <summary>
    /// The compression ratio that counts as low information for a text of <paramref name="chars"/> characters:
    /// 3 from 512 characters on, rising as 1/sqrt(length) below, because short texts give a compressor little to find.
    /// </summary>
    public static double CompressionThreshold(int chars) => 3 * Math.Max(1, Math.Sqrt(512.0 / Math.Max(1, chars)));

    public DetectorResult Evaluate(DetectionContext context, DetectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        var f = context.Features;
        var compressionScore = 0.5 * f.CompressionRatio / CompressionThreshold(f.CharLength);
        // Compression counts only past its own limit, so below it the score ranks by repeated share alone.
        var score = compressionScore >= 0.5 ? Math.Max(f.RepeatedShare, compressionScore) : f.RepeatedShare;
        var flagged = score >= settings.Threshold;

        var evidence = new List<EvidenceSpan>(3);
        if (f.TrailingLoopLength > 0)
        {
            var repeats = (double)f.TrailingLoopLength / f.TrailingLoopPeriod;
            evidence.Add(new EvidenceSpan(f.TrailingLoopStart, f.TrailingLoopLength,
                string.Create(CultureInfo.InvariantCulture, $"the text ends in a loop: a {f.TrailingLoopPeriod}-character phrase repeated {repeats:0.#} times")));
        }
        if (f.LongestRepeatLength >= Features.FeatureExtractor.MinRepeatChars && f.LongestRepeatStart != f.TrailingLoopStart + f.TrailingLoopPeriod)
        {
            evidence.Add(new EvidenceSpan(f.LongestRepeatStart, f.LongestRepeatLength,
                string.Create(CultureInfo.InvariantCulture, $"copies the text {f.LongestRepeatDistance} characters earlier")));
        }
        if (f.LongestRepeatedLineRun >= 2)
        {
            evidence.Add(new EvidenceSpan(f.RepeatedLineRunStart, f.RepeatedLineRunLength,
                string.Create(CultureInfo.InvariantCulture, $"the same line {f.LongestRepeatedLineRun} times in a row")));
        }

        string explanation;
        if (!flagged)
        {
            explanation = string.Create(CultureInfo.InvariantCulture,
                $"{f.RepeatedShare:P0} of the output repeats earlier text and it compresses {f.CompressionRatio:0.0}:1, within what natural text of {f.CharLength} characters does.");
        }
        else if (f.TrailingLoopLength >= f.CharLength / 4 && f.TrailingLoopLength > 0)
        {
            explanation = string.Create(CultureInfo.InvariantCulture,
                $"The output is stuck in a loop: its last {f.TrailingLoopLength} characters repeat a {f.TrailingLoopPeriod}-character phrase, and {f.RepeatedShare:P0} of it copies earlier text.");
        }
        else if (f.RepeatedShare >= compressionScore)
        {
            explanation = string.Create(CultureInfo.InvariantCulture,
                $"{f.RepeatedShare:P0} of the output copies earlier passages word for word: the model is repeating itself.");
        }
        else
        {
            explanation = string.Create(CultureInfo.InvariantCulture,
                $"The output carries little information: it compresses {f.CompressionRatio:0.0}:1 where natural text of {f.CharLength} characters stays under {CompressionThreshold(f.CharLength):0.0}:1.");
        }
        return new DetectorResult(Name, score, settings.Threshold, flagged, flagged ? evidence : [], explanation);
    }
}
