using System.Collections.Frozen;
using System.Globalization;
using Auditor.Detection.Features;

namespace Auditor.Detection.Degeneration;

/// <summary>
/// Flags looping or degenerate text. Nine signs, each scaled so that 1 is its limit; the score is the largest:
/// <list type="bullet">
/// <item>copies: the weighted verbatim copies of the copy region the text ends in
/// (<see cref="OutputFeatures.TrailingCopiedChars"/>: repetition the model never got out of) reach
/// <see cref="CopiedCharsLimit"/> characters and <see cref="CopiedShareLimit"/> of the output, or the copies anywhere
/// (<see cref="OutputFeatures.WeightedCopiedChars"/>) reach <see cref="CopiedCharsLimit"/> characters and
/// <see cref="WholeCopiedShareLimit"/> of it (both must hold, so each score is the smaller ratio). A chorus or a second
/// version of some code, with new text after it, is neither;</item>
/// <item>loop: the output ends in a loop repeating its unit <see cref="LoopRepeatsLimit"/> times over
/// <see cref="LoopCharsLimit"/> characters (digits folded, so counting loops count);</item>
/// <item>low information: the compression ratio reaches <see cref="CompressionThreshold"/> for the output's length
/// (counted only past its limit, so it never lowers the ranking of the other signs);</item>
/// <item>run-on: <see cref="RunOnCharsLimit"/> visible characters follow an end-of-sequence token
/// (<see cref="OutputFeatures.RunOnChars"/>): the model did not stop (non-termination, which Welleck et al. 2020 count
/// as degenerate decoding). A template token with nothing after it is a leak, the leakage detector's business.</item>
/// <item>no words: the visible text is sentence punctuation alone (<see cref="OutputFeatures.SentencePunctuationOnly"/>:
/// ".", "!", "...").
/// The low-information limit the compression sign cannot reach (its limit grows without bound as texts get shorter):
/// the model stopped before it wrote a word. Scored 1, at the limit. Blank outputs are the empty detector's.</item>
/// <item>near copies: the text ends in a run of <see cref="NearCopyTokensLimit"/> tokens and
/// <see cref="NearCopyShareLimit"/> of the output that repeats earlier word sequences once digits, case and capitalised
/// names are folded (<see cref="OutputFeatures.NearCopyRunTokens"/>): a template line with small changes, a runaway list
/// (counted only past its limit, like low information).</item>
/// <item>repeated prose: a prose paragraph of <see cref="FeatureExtractor.ProseParagraphChars"/>+ characters said again
/// word for word (<see cref="OutputFeatures.RepeatedParagraphLength"/>), or one prose line
/// <see cref="FeatureExtractor.ProseLineRepeats"/> times in a row (<see cref="OutputFeatures.RepeatedProseLineRun"/>),
/// wherever it stands: a writer never restates a whole paragraph, or one sentence three times running; structure that
/// repeats (a chorus, code, table rows, per-item boilerplate) is made of short lines, code or figures (counted only past
/// its limit).</item>
/// <item>sub-word loops: a unit of 2 to 4 characters repeated 6+ times inside a word ("KjKjKjKjKjKj") in
/// <see cref="SubwordLoopPlacesLimit"/> separate places (<see cref="OutputFeatures.SubwordLoopPlaces"/>): the model fell
/// into the same token-level loop again and again; one such run can be a sequence that was asked for (DNA, a test
/// string), and a long one that ends the text is the loop sign's.</item>
/// <item>list repeats: one list restates <see cref="FeatureExtractor.RestatedListItemsLimit"/> different items of its own
/// (<see cref="OutputFeatures.RestatedListItems"/>): a writer names an item once; a runaway list cycles back to items it
/// already gave (counted only at its limit).</item>
/// </list>
/// </summary>
public sealed class DegenerationDetector : IDetector
{
    /// <summary>About two sentences or three lines of code copied verbatim.</summary>
    public const double CopiedCharsLimit = 200;

    /// <summary>One fifth of the output, for the repetition the output ends in: long answers may quote themselves a little.</summary>
    public const double CopiedShareLimit = 0.2;

    /// <summary>
    /// Half of the output, for copies anywhere: an answer that says most things twice, even with new text after. Less is
    /// structure a reader expects (a chorus between verses, a second version of code, steps shared by two methods).
    /// </summary>
    public const double WholeCopiedShareLimit = 0.5;

    /// <summary>A unit said three times in a row at the end is a loop, not an emphasis.</summary>
    public const double LoopRepeatsLimit = 3;

    public const double LoopCharsLimit = 200;

    /// <summary>
    /// A short line of text after an end-of-sequence token. Fewer visible characters can be a stray fragment, such as a
    /// second special token (<c>&lt;/s&gt;</c> is 4), rather than a generation that went on.
    /// </summary>
    public const double RunOnCharsLimit = 20;

    /// <summary>About ten list lines of near copies (tokens are words and punctuation marks).</summary>
    public const double NearCopyTokensLimit = 200;

    /// <summary>Three tenths of the output: a run of templated lines that takes over the answer, not one table or list in it.</summary>
    public const double NearCopyShareLimit = 0.3;

    private const string NotDegenerate = "No loop, long verbatim copy, repeated paragraph, low-information stretch, run-on past an end-of-sequence token or punctuation-only answer: the text does not repeat itself beyond what natural text does.";

    /// <summary>The names rules/ uses to switch a sign off per stream (<c>signs: { noWords: off }</c>).</summary>
    public const string CopiesSign = "copies", LoopSign = "loop", LowInformationSign = "lowInformation", RunOnSign = "runOn", NoWordsSign = "noWords",
        NearCopiesSign = "nearCopies", RepeatedProseSign = "repeatedProse", SubwordLoopsSign = "subwordLoops", ListRepeatsSign = "listRepeats";

    public static IReadOnlyList<string> SignNames { get; } =
        [CopiesSign, LoopSign, LowInformationSign, RunOnSign, NoWordsSign, NearCopiesSign, RepeatedProseSign, SubwordLoopsSign, ListRepeatsSign];

    /// <summary>A sub-word loop in three separate places is a habit of the model, not a sequence the answer needed.</summary>
    public const double SubwordLoopPlacesLimit = 3;

    public string Name => "degeneration";

    public double DefaultThreshold => 1.0;

    /// <summary>
    /// The compression ratio that counts as low information for a text of <paramref name="chars"/> characters:
    /// 5 from 512 characters on, rising as sqrt(512 / length) below, because short texts give a compressor little to find.
    /// </summary>
    public static double CompressionThreshold(int chars) => 5 * Math.Max(1, Math.Sqrt(512.0 / Math.Max(1, chars)));

    /// <summary>
    /// The six signs and the score of one output, from its features alone: the one formula both this detector and the
    /// drift window tests (<see cref="Drift.DriftIndicators"/>, which read <see cref="DegenerationSigns.RepetitionScore"/>)
    /// use, so "looping" means the same thing in both.
    /// </summary>
    public static DegenerationSigns Signs(OutputFeatures features) => Signs(features, FrozenSet<string>.Empty);

    /// <summary>The signs with those named in <paramref name="off"/> (<see cref="SignNames"/>) counted as 0.</summary>
    public static DegenerationSigns Signs(OutputFeatures features, IReadOnlySet<string> off)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(off);
        var f = features;
        var any = off.Count > 0;
        var n = Math.Max(1, f.CharLength);
        var copyScore = any && off.Contains(CopiesSign) ? 0 : CopyScore(f);
        var repeats = f.TrailingLoopPeriod > 0 ? (double)f.TrailingLoopLength / f.TrailingLoopPeriod : 0;
        var loopScore = any && off.Contains(LoopSign) ? 0 : Math.Min(f.TrailingLoopLength / LoopCharsLimit, repeats / LoopRepeatsLimit);
        var compressionLimit = CompressionThreshold(f.CharLength);
        var compressionScore = f.CompressionRatio / compressionLimit;
        var repetition = Math.Max(copyScore, loopScore);
        if (compressionScore >= 1 && !(any && off.Contains(LowInformationSign)))
            repetition = Math.Max(repetition, compressionScore);
        var runOnScore = any && off.Contains(RunOnSign) ? 0 : f.RunOnChars / RunOnCharsLimit;
        var noWordsScore = f.SentencePunctuationOnly && !(any && off.Contains(NoWordsSign)) ? 1.0 : 0.0;
        var nearCopyScore = Math.Min(f.NearCopyRunTokens / NearCopyTokensLimit, f.NearCopyRunShare / NearCopyShareLimit);
        if (nearCopyScore < 1 || (any && off.Contains(NearCopiesSign)))
            nearCopyScore = 0;
        var proseScore = RepeatedProseScore(f);
        if (any && off.Contains(RepeatedProseSign))
            proseScore = 0;
        // Counted only at its limit, like the near copies: fewer places say nothing.
        var subwordScore = f.SubwordLoopPlaces >= SubwordLoopPlacesLimit && !(any && off.Contains(SubwordLoopsSign))
            ? f.SubwordLoopPlaces / SubwordLoopPlacesLimit : 0;
        // Counted only at its limit too: a few restated items are a fixed answer set (a form's Yes / No).
        var listScore = f.RestatedListItems >= FeatureExtractor.RestatedListItemsLimit && !(any && off.Contains(ListRepeatsSign))
            ? (double)f.RestatedListItems / FeatureExtractor.RestatedListItemsLimit : 0;
        var score = Math.Max(Math.Max(Math.Max(Math.Max(Math.Max(Math.Max(repetition, runOnScore), noWordsScore), nearCopyScore), proseScore), subwordScore), listScore);
        return new DegenerationSigns(score, repetition, copyScore, loopScore, runOnScore, noWordsScore, repeats, compressionLimit, nearCopyScore,
            proseScore, subwordScore, listScore);
    }

    /// <summary>
    /// The repeated-prose sign: the repeated paragraph's length / <see cref="FeatureExtractor.ProseParagraphChars"/> and the
    /// prose line's run / <see cref="FeatureExtractor.ProseLineRepeats"/>, the larger; both features are 0 below their limits,
    /// so the sign is 0 or at least 1 (it never reorders the other signs below the threshold).
    /// </summary>
    public static double RepeatedProseScore(OutputFeatures features)
    {
        ArgumentNullException.ThrowIfNull(features);
        return Math.Max((double)features.RepeatedParagraphLength / FeatureExtractor.ProseParagraphChars,
            (double)features.RepeatedProseLineRun / FeatureExtractor.ProseLineRepeats);
    }

    /// <summary>The copies sign: the larger of the trailing-region and the whole-output ratios (each the smaller of its two limits).</summary>
    public static double CopyScore(OutputFeatures features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var n = Math.Max(1, features.CharLength);
        var trailing = features.TrailingCopiedChars;
        var whole = features.WeightedCopiedChars;
        return Math.Max(Math.Min(trailing / CopiedCharsLimit, trailing / n / CopiedShareLimit),
            Math.Min(whole / CopiedCharsLimit, whole / n / WholeCopiedShareLimit));
    }

    public DetectorResult Evaluate(DetectionContext context, DetectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        var f = context.Features;
        var n = Math.Max(1, f.CharLength);
        var copied = f.WeightedCopiedChars;
        var (score, repetition, copyScore, loopScore, runOnScore, noWordsScore, repeats, compressionLimit, nearCopyScore, proseScore, subwordScore, listScore) =
            Signs(f, settings.SignsOff);
        var flagged = score >= settings.Threshold;

        if (!flagged)
        {
            // A fixed sentence: it is built for nearly every sample (the numbers are in the stored features and the score).
            return new DetectorResult(Name, score, settings.Threshold, false, [], NotDegenerate);
        }

        var evidence = new List<EvidenceSpan>(4);
        if (f.TrailingLoopLength > 0)
        {
            evidence.Add(new EvidenceSpan(f.TrailingLoopStart, f.TrailingLoopLength,
                string.Create(CultureInfo.InvariantCulture, $"the text ends in a loop: a {f.TrailingLoopPeriod}-character unit repeated {repeats:0.#} times")));
        }
        if (f.TrailingCopyStart >= 0 && f.TrailingCopiedChars > 0 && !(f.TrailingLoopLength > 0 && f.TrailingCopyStart >= f.TrailingLoopStart))
        {
            evidence.Add(new EvidenceSpan(f.TrailingCopyStart, f.LastNonWhitespace + 1 - f.TrailingCopyStart,
                string.Create(CultureInfo.InvariantCulture, $"the text ends repeating earlier text ({f.TrailingCopiedChars:0} characters copied)")));
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
        // The token's text is read from the output, as the leakage detector reads its token: the features say where it is.
        var endToken = "";
        if (runOnScore > 0)
        {
            endToken = (context.Sample.Output ?? "").Substring(f.EndOfSequenceTokenStart, f.EndOfSequenceTokenLength);
            evidence.Add(new EvidenceSpan(f.LastNonWhitespace + 1 - f.RunOnChars, f.RunOnChars,
                $"text after the end-of-sequence token {endToken}"));
        }

        if (nearCopyScore > 0 && f.NearCopyRunStart >= 0)
        {
            evidence.Add(new EvidenceSpan(f.NearCopyRunStart, f.LastNonWhitespace + 1 - f.NearCopyRunStart,
                string.Create(CultureInfo.InvariantCulture, $"the text ends in {f.NearCopyRunTokens} tokens that repeat earlier word sequences with small changes")));
        }
        if (proseScore > 0 && f.RepeatedParagraphStart >= 0)
        {
            evidence.Add(new EvidenceSpan(f.RepeatedParagraphStart, f.RepeatedParagraphLength,
                "a paragraph said earlier, word for word"));
        }
        if (proseScore > 0 && f.RepeatedProseLineRun >= FeatureExtractor.ProseLineRepeats)
        {
            evidence.Add(new EvidenceSpan(f.RepeatedProseLineRunStart, f.RepeatedProseLineRunLength,
                string.Create(CultureInfo.InvariantCulture, $"the same sentence {f.RepeatedProseLineRun} times in a row")));
        }
        if (subwordScore > 0)
        {
            evidence.Add(new EvidenceSpan(f.SubwordLoopStart, f.SubwordLoopLength,
                string.Create(CultureInfo.InvariantCulture, $"a short unit repeated inside a word (one of {f.SubwordLoopPlaces} places)")));
        }
        if (listScore > 0)
        {
            evidence.Add(new EvidenceSpan(f.RestatedListStart, f.RestatedListLength,
                string.Create(CultureInfo.InvariantCulture, $"a list that restates {f.RestatedListItems} of its own items")));
        }
        if (noWordsScore > 0)
        {
            evidence.Add(new EvidenceSpan(f.FirstNonWhitespace, f.LastNonWhitespace + 1 - f.FirstNonWhitespace,
                "punctuation and nothing else"));
        }

        string explanation;
        if (noWordsScore >= settings.Threshold && noWordsScore >= Math.Max(repetition, runOnScore))
        {
            explanation = string.Create(CultureInfo.InvariantCulture,
                $"The output holds no word: only {f.NonWhitespaceChars} punctuation mark(s); the model stopped before it wrote a word.");
        }
        else if (runOnScore >= settings.Threshold && runOnScore >= repetition)
        {
            explanation = string.Create(CultureInfo.InvariantCulture,
                $"The model did not stop: {f.RunOnChars} characters follow its end-of-sequence token {endToken}.");
        }
        else if (loopScore >= settings.Threshold && loopScore >= copyScore)
        {
            explanation = string.Create(CultureInfo.InvariantCulture,
                $"The output is stuck in a loop: its last {f.TrailingLoopLength} characters repeat a {f.TrailingLoopPeriod}-character unit {repeats:0.#} times.");
        }
        else if (nearCopyScore >= settings.Threshold && nearCopyScore >= Math.Max(copyScore, loopScore))
        {
            explanation = string.Create(CultureInfo.InvariantCulture,
                $"The model got stuck in a template: its last {f.NearCopyRunTokens} tokens ({f.NearCopyRunShare:P0} of the output) repeat earlier word sequences with only numbers, names or single words changed, up to the end.");
        }
        else if (subwordScore >= settings.Threshold && subwordScore >= Math.Max(Math.Max(copyScore, loopScore), proseScore))
        {
            explanation = string.Create(CultureInfo.InvariantCulture,
                $"The model fell into a sub-word loop in {f.SubwordLoopPlaces} places: a unit of a few characters repeated inside a word, again and again.");
        }
        else if (listScore >= settings.Threshold && listScore >= Math.Max(Math.Max(copyScore, loopScore), proseScore))
        {
            explanation = string.Create(CultureInfo.InvariantCulture,
                $"The list ran away: it gives {f.RestatedListItems} of its items again, word for word, further down the same list, which a list never needs.");
        }
        else if (proseScore >= settings.Threshold && proseScore >= Math.Max(copyScore, loopScore))
        {
            explanation = f.RepeatedParagraphLength >= FeatureExtractor.ProseParagraphChars
                ? string.Create(CultureInfo.InvariantCulture,
                    $"The model repeats itself: a {f.RepeatedParagraphLength}-character paragraph appears again word for word, which a writer never does.")
                : string.Create(CultureInfo.InvariantCulture,
                    $"The model is stuck on a sentence: the same line of prose {f.RepeatedProseLineRun} times in a row.");
        }
        else if (copyScore >= settings.Threshold && f.TrailingCopiedChars >= copied * 0.5)
        {
            explanation = string.Create(CultureInfo.InvariantCulture,
                $"The model got stuck repeating itself: its text ends in about {f.TrailingCopiedChars:0} characters that copy earlier passages, with only small edits between the copies.");
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

/// <summary>The degeneration score of one output and the parts its explanation names.</summary>
/// <param name="Score">The largest sign (the compression sign only when past its limit); 1 is the default threshold.</param>
/// <param name="RepetitionScore">The largest of the repetition signs (copies, loop, compression past its limit), without
/// the run-on and no-words signs: what the drift indicator "looping or repetitive outputs" counts.</param>
/// <param name="CopyScore">Verbatim copies against both their limits (the smaller ratio).</param>
/// <param name="LoopScore">The trailing loop against its length and repeat limits (the smaller ratio).</param>
/// <param name="RunOnScore">Visible characters after the first end-of-sequence token / <see cref="DegenerationDetector.RunOnCharsLimit"/>.</param>
/// <param name="NoWordsScore">1 when the visible text is sentence punctuation alone (<see cref="OutputFeatures.SentencePunctuationOnly"/>), else 0.</param>
/// <param name="Repeats">How many times the trailing loop's unit repeats (0 without a loop).</param>
/// <param name="CompressionLimit">The compression ratio that counts as low information at this length.</param>
/// <param name="NearCopyScore">The near-copy run against its limits when past them, else 0. Not part of
/// <paramref name="RepetitionScore"/>: the drift indicator keeps counting verbatim repetition, as its baselines did.</param>
/// <param name="RepeatedProseScore">A repeated prose paragraph or a prose line three times in a row, 0 or at least 1
/// (<see cref="DegenerationDetector.RepeatedProseScore"/>). Not part of <paramref name="RepetitionScore"/>, for the same reason.</param>
/// <param name="SubwordLoopScore">Sub-word loop places / <see cref="DegenerationDetector.SubwordLoopPlacesLimit"/> when
/// at the limit, else 0. Not part of <paramref name="RepetitionScore"/> either.</param>
/// <param name="ListRepeatsScore">Restated list items / <see cref="FeatureExtractor.RestatedListItemsLimit"/> when at the
/// limit, else 0. Not part of <paramref name="RepetitionScore"/> either.</param>
public readonly record struct DegenerationSigns(
    double Score, double RepetitionScore, double CopyScore, double LoopScore, double RunOnScore, double NoWordsScore, double Repeats,
    double CompressionLimit, double NearCopyScore, double RepeatedProseScore, double SubwordLoopScore, double ListRepeatsScore);
