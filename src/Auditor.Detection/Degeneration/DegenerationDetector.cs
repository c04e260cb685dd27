using System.Globalization;
using Auditor.Detection.Features;

namespace Auditor.Detection.Degeneration;

/// <summary>
/// Flags looping or degenerate text. Three signs, each scaled so that 1 is its limit; the score is the largest:
/// <list type="bullet">
/// <item>copies: weighted verbatim copies of earlier text (<see cref="OutputFeatures.WeightedCopiedChars"/>) reach
/// <see cref="CopiedCharsLimit"/> characters and <see cref="CopiedShareLimit"/> of the output (both must hold, so the
/// score is the smaller ratio);</item>
/// <item>loop: the output ends in a loop repeating its unit <see cref="LoopRepeatsLimit"/> times over
/// <see cref="LoopCharsLimit"/> characters (digits folded, so counting loops count);</item>
/// <item>low information: the compression ratio reaches <see cref="CompressionThreshold"/> for the output's length
/// (counted only past its limit, so it never lowers the ranking of the other two).</item>
/// </list>
/// </summary>
public sealed class DegenerationDetector : IDetector
{
    /// <summary>About two sentences or three lines of code copied verbatim.</summary>
    public const double CopiedCharsLimit = 200;

    /// <summary>One fifth of the output: long answers may quote themselves a little.</summary>
    public const double CopiedShareLimit = 0.2;

    /// <summary>A unit said three times in a row at the end is a loop, not an emphasis.</summary>
    public const double LoopRepeatsLimit = 3;

    public const double LoopCharsLimit = 200;

    private const string NotDegenerate = "No loop, long verbatim copy or low-information stretch: the text does not repeat itself beyond what natural text does.";

    public string Name => "degeneration";

    public double DefaultThreshold => 1.0;

    /// <summary>
    /// The compression ratio that counts as low information for a text of <paramref name="chars"/> characters:
    /// 5 from 512 characters on, rising as sqrt(512 / length) below, because short texts give a compressor little to find.
    /// </summary>
    public static double CompressionThreshold(int chars) => 5 * Math.Max(1, Math.Sqrt(512.0 / Math.Max(1, chars)));

    public DetectorResult Evaluate(DetectionContext context, DetectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        var f = context.Features;
        var n = Math.Max(1, f.CharLength);
        var copied = f.WeightedCopiedChars;
        var copyScore = Math.Min(copied / CopiedCharsLimit, copied / n / CopiedShareLimit);
        var repeats = f.TrailingLoopPeriod > 0 ? (double)f.TrailingLoopLength / f.TrailingLoopPeriod : 0;
        var loopScore = Math.Min(f.TrailingLoopLength / LoopCharsLimit, repeats / LoopRepeatsLimit);
        var compressionLimit = CompressionThreshold(f.CharLength);
        var compressionScore = f.CompressionRatio / compressionLimit;
        var score = Math.Max(copyScore, loopScore);
        if (compressionScore >= 1)
            score = Math.Max(score, compressionScore);
        var flagged = score >= settings.Threshold;

        if (!flagged)
        {
            // A fixed sentence: it is built for nearly every sample (the numbers are in the stored features and the score).
            return new DetectorResult(Name, score, settings.Threshold, false, [], NotDegenerate);
        }

        var evidence = new List<EvidenceSpan>(3);
        if (f.TrailingLoopLength > 0)
        {
            evidence.Add(new EvidenceSpan(f.TrailingLoopStart, f.TrailingLoopLength,
                string.Create(CultureInfo.InvariantCulture, $"the text ends in a loop: a {f.TrailingLoopPeriod}-character unit repeated {repeats:0.#} times")));
        }
        if (f.LongestRepeatLength >= FeatureExtractor.MinRepeatChars && !(f.TrailingLoopLength > 0 && f.LongestRepeatStart >= f.TrailingLoopStart))
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
        if (loopScore >= settings.Threshold && loopScore >= copyScore)
        {
            explanation = string.Create(CultureInfo.InvariantCulture,
                $"The output is stuck in a loop: its last {f.TrailingLoopLength} characters repeat a {f.TrailingLoopPeriod}-character unit {repeats:0.#} times.");
        }
        else if (copyScore >= settings.Threshold)
        {
            explanation = string.Create(CultureInfo.InvariantCulture,
                $"The model repeats itself: about {copied:0} characters ({copied / n:P0} of the output) copy earlier passages word for word.");
        }
        else
        {
            explanation = string.Create(CultureInfo.InvariantCulture,
                $"The output carries little information: it compresses {f.CompressionRatio:0.0}:1 where natural text of {f.CharLength} characters stays under {compressionLimit:0.0}:1.");
        }
        return new DetectorResult(Name, score, settings.Threshold, true, evidence, explanation);
    }
}
