using System.Globalization;
using System.Text;
using Auditor.Contracts;

namespace Auditor.Detection.Features;

/// <summary>
/// Builds an output's feature vector. A vectorised pass counts character classes and writes a digit-folded copy of
/// the text into a reused buffer; the word split (with script and template-token statistics for rare characters)
/// walks the characters once; an LZ77 parse then visits each position of the folded copy once. Word n-gram
/// statistics work on the word-hash array. The stages live in the partial files FeatureExtractor.*.cs.
/// Scratch buffers are per thread and reused, so the only allocation per sample is the result record.
/// </summary>
public static partial class FeatureExtractor
{
    /// <summary>A copied stretch counts as repetition from this many characters on (about four English words).</summary>
    public const int MinRepeatChars = 24;

    /// <summary>A verbatim copy counts fully from this length (a long sentence, two lines of code); shorter ones count in proportion.</summary>
    public const double FullWeightCopyChars = 128;

    /// <summary>
    /// Copies separated by at most this much new text belong to one copy region: an edited line (a counter, a changed
    /// word) does not end a repetition, a new sentence or a verse does.
    /// </summary>
    public const int CopyRegionGapChars = 64;

    /// <summary>A copy region this close to the last visible character is the one the text ends in (a closing fence or quote may follow).</summary>
    public const int TrailingSlackChars = 32;

    // LZ77 parse: a match needs this many equal characters to start (the first four are hashed).
    private const int MatchKey = 8;
    private const int MaxWordPeriod = 256;
    private const int MaxNGramWords = 32_768;

    [ThreadStatic] private static Scratch? t_scratch;

    public static OutputFeatures Extract(OutputSample sample) => Extract(sample, TemplateTokenSet.Default);

    public static OutputFeatures Extract(OutputSample sample, TemplateTokenSet templateTokens)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(templateTokens);
        var text = (sample.Output ?? "").AsSpan();
        var scratch = t_scratch ??= new Scratch();
        scratch.Ensure(text.Length);

        return Scan(sample, text, templateTokens, scratch);
    }

    // The character pass, in two parts. A vectorised pass counts ASCII letters, white space and control characters
    // and writes the digit-folded copy of the text into a reused buffer. The word split's hot loop (SplitAscii) then
    // takes ASCII characters without calls or data-dependent branches and stops at anything rare (a non-ASCII
    // character, a possible template token), handled here out of line.
    private static OutputFeatures Scan(OutputSample sample, ReadOnlySpan<char> text, TemplateTokenSet tokens, Scratch scratch)
    {
        var folded = scratch.Folded.AsSpan(0, text.Length);
        var words = scratch.Words.AsSpan(0, text.Length + 1);
        var ascii = CountAsciiAndFoldDigits(text, folded);
        var split = default(WordSplit);
        var nonAsciiSpaces = 0;
        var cold = new ColdCounts { TemplateStart = -1, TemplateIndex = -1, EndOfSequenceStart = -1 };
        var i = 0;
        while ((i = SplitAscii(text, i, words, tokens.PlainAscii, ref split)) < text.Length)
        {
            var c = text[i];
            int f;
            if (c < 128)
            {
                f = s_asciiFlags[c];
                MatchTemplateToken(text, i, tokens, ref cold);
            }
            else
            {
                f = CountNonAscii(text, i, tokens, ref cold);
                nonAsciiSpaces += (f >> 2) & 1;
                folded[i] = (char)(c ^ ((c ^ '0') & -((f >> 5) & 1))); // a non-ASCII digit folds to '0' too
            }
            split.Add(words, c, f);
            i++;
        }
        var wordCount = split.Finish(words);
        var latin = ascii.Letters + cold.Latin;
        var control = ascii.Controls + cold.Control;
        var nonWhitespace = text.Length - ascii.Spaces - nonAsciiSpaces;
        var letters = latin + cold.Cyrillic + cold.Greek + cold.ArabicHebrew + cold.Cjk + cold.OtherScript;
        // First and last visible characters: a short walk from either end (tracking them in the loop would put a
        // data-dependent branch on every character).
        var first = nonWhitespace == 0 ? -1 : FirstVisible(text);
        var last = nonWhitespace == 0 ? -1 : LastVisible(text);
        // Visible text after the first end-of-sequence token (see RunOnChars).
        var runOn = cold.EndOfSequenceStart < 0 ? 0 : RunOnChars(text, cold.EndOfSequenceStart + cold.EndOfSequenceLength, last);

        // Only an output without a letter can be punctuation-only: a rare, short walk.
        var sentencePunctuationOnly = nonWhitespace > 0 && letters == 0 && IsSentencePunctuationOnly(text);

        var lineEnds = scratch.LineEnds.AsSpan(0, LineEnds(text, scratch.LineEnds));
        var lineStats = RepeatedLines(text, lineEnds);
        var lz = ParseRepeats(scratch.Folded.AsSpan(0, text.Length), text, scratch, last);
        // n-gram statistics cover the last MaxNGramWords words: bounded memory on a 1 MiB output, and the end is where loops are.
        var ngrams = CountNGrams(scratch.Words.AsSpan(Math.Max(0, wordCount - MaxNGramWords), Math.Min(wordCount, MaxNGramWords)), scratch);
        var wordLoop = TrailingWordLoop(scratch.Words.AsSpan(0, wordCount));
        var nearCopies = TrailingNearCopies(text, wordCount, scratch);
        var subword = FindSubwordLoops(text);
        var prose = FindRepeatedProse(text, lineEnds, lz.LongestLength, lineStats.BestRun);
        var listRepeats = FindListRepeats(text, lineEnds);
        double? budget = sample is { CompletionTokens: { } used, MaxTokens: > 0 and var max } ? (double)used / max : null;
        double? latencyPerToken = sample is { LatencyMs: { } ms, CompletionTokens: > 0 and var completion } ? ms / completion : null;
        var dominant = Math.Max(Math.Max(Math.Max(latin, cold.Cyrillic), Math.Max(cold.Greek, cold.ArabicHebrew)), Math.Max(cold.Cjk, cold.OtherScript));
        return new OutputFeatures
        {
            CharLength = text.Length,
            NonWhitespaceChars = nonWhitespace,
            FirstNonWhitespace = first,
            LastNonWhitespace = last,
            WordCount = wordCount,
            LineCount = lineStats.Lines,
            LongestRepeatedLineRun = lineStats.BestRun,
            RepeatedLineRunStart = lineStats.BestRunStart,
            RepeatedLineRunLength = lineStats.BestRunLength,
            ReplacementChars = cold.Replacement,
            ControlChars = control,
            LatinLetters = latin,
            CyrillicLetters = cold.Cyrillic,
            GreekLetters = cold.Greek,
            ArabicHebrewLetters = cold.ArabicHebrew,
            CjkChars = cold.Cjk,
            OtherScriptLetters = cold.OtherScript,
            ScriptMix = letters == 0 ? 0 : 1 - (double)dominant / letters,
            TemplateTokenHits = cold.TemplateHits,
            FirstTemplateTokenStart = cold.TemplateStart,
            FirstTemplateTokenLength = cold.TemplateLength,
            FirstTemplateTokenIndex = cold.TemplateIndex,
            EndOfSequenceTokenStart = cold.EndOfSequenceStart,
            EndOfSequenceTokenLength = cold.EndOfSequenceLength,
            RunOnChars = runOn,
            SentencePunctuationOnly = sentencePunctuationOnly,
            Utf8Bytes = Encoding.UTF8.GetByteCount(text),
            FinishedByLength = sample.FinishReason == FinishReasons.Length,
            TokenBudgetUsed = budget,
            LatencyPerToken = latencyPerToken,
            SeqRep1 = ngrams.SeqRep1, SeqRep2 = ngrams.SeqRep2, SeqRep3 = ngrams.SeqRep3, SeqRep4 = ngrams.SeqRep4,
            Distinct1 = ngrams.Distinct1, Distinct2 = ngrams.Distinct2, Distinct3 = ngrams.Distinct3, Distinct4 = ngrams.Distinct4,
            RepeatedShare = lz.RepeatedShare,
            WeightedCopiedChars = lz.WeightedCopiedChars,
            TrailingCopiedChars = lz.TrailingCopied,
            TrailingCopyStart = lz.TrailingCopyStart,
            CompressionRatio = lz.CompressionRatio,
            LongestRepeatStart = lz.LongestStart,
            LongestRepeatLength = lz.LongestLength,
            LongestRepeatDistance = lz.LongestDistance,
            TrailingLoopStart = lz.LoopStart,
            TrailingLoopLength = lz.LoopLength,
            TrailingLoopPeriod = lz.LoopPeriod,
            TrailingLoopPeriodWords = wordLoop.Period,
            TrailingLoopWords = wordLoop.Words,
            NearCopyRunTokens = nearCopies.Tokens,
            NearCopyRunStart = nearCopies.Start,
            NearCopyRunShare = nearCopies.Share,
            RepeatedParagraphStart = prose.ParagraphStart,
            RepeatedParagraphLength = prose.ParagraphLength,
            RepeatedProseLineRun = prose.LineRun,
            RepeatedProseLineRunStart = prose.LineRunStart,
            RepeatedProseLineRunLength = prose.LineRunLength,
            SubwordLoopPlaces = subword.Places,
            SubwordLoopStart = subword.FirstStart,
            SubwordLoopLength = subword.FirstLength,
            RestatedListItems = listRepeats.Items,
            RestatedListStart = listRepeats.Start,
            RestatedListLength = listRepeats.Length,
        };
    }

    // From the first visible character after the end-of-sequence token to the last visible one: the white space a
    // template puts after its token ("<|im_end|>\n") is not text the model went on to write.
    private static int RunOnChars(ReadOnlySpan<char> text, int afterToken, int lastVisible)
    {
        var start = afterToken;
        while (start <= lastVisible && char.IsWhiteSpace(text[start]))
            start++;
        return Math.Max(0, lastVisible + 1 - start);
    }

    // See OutputFeatures.SentencePunctuationOnly.
    private static bool IsSentencePunctuationOnly(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsWhiteSpace(c) && !IsSentencePunctuation(c))
                return false;
        }
        return true;
    }

    private static bool IsSentencePunctuation(char c) =>
        c is '.' or ',' or ':' or ';' or '!' or '?'
            or '\u2026' or '\u2025' or '\u00B7' or '\u00A1' or '\u00BF'      // … ‥ · ¡ ¿
            or '\u3002' or '\u3001' or '\uFF0C' or '\uFF0E' or '\uFF01' or '\uFF1F' or '\uFF1A' or '\uFF1B' // 。、，．！？：；
            or '\u061F' or '\u060C' or '\u061B' or '\u0964' or '\u0965' or '\u037E'                 // ؟ ، ؛ । ॥ ;
        || char.GetUnicodeCategory(c) == UnicodeCategory.DashPunctuation;

    private static int FirstVisible(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (!char.IsWhiteSpace(text[i]))
                return i;
        }
        return -1;
    }

    private static int LastVisible(ReadOnlySpan<char> text)
    {
        for (var i = text.Length - 1; i >= 0; i--)
        {
            if (!char.IsWhiteSpace(text[i]))
                return i;
        }
        return -1;
    }

    private readonly record struct LineStats(int Lines, int BestRun, int BestRunStart, int BestRunLength);

    // Line structure: the longest run of identical consecutive non-blank lines (lineEnds from LineEnds).
    // Blank lines do not break a run: loops often repeat a paragraph followed by an empty line.
    private static LineStats RepeatedLines(ReadOnlySpan<char> text, ReadOnlySpan<int> lineEnds)
    {
        if (text.IsEmpty)
            return new LineStats(0, 0, -1, 0);
        int pos = 0, prevStart = -1, prevLength = 0, run = 0, runStart = 0, bestRun = 0, bestStart = -1, bestEnd = 0;
        foreach (var end in lineEnds)
        {
            var line = text[pos..end];
            // Most lines start with a visible character: the search for one is needed only when they do not.
            if (line.Length > 0 && line[0] is not (' ' or '\t' or '\r') || line.IndexOfAnyExcept(" \t\r") >= 0)
            {
                if (prevStart >= 0 && line.SequenceEqual(text.Slice(prevStart, prevLength)))
                {
                    run++;
                }
                else
                {
                    run = 1;
                    runStart = pos;
                }
                if (run >= 2 && run > bestRun)
                    (bestRun, bestStart, bestEnd) = (run, runStart, end);
                (prevStart, prevLength) = (pos, line.Length);
            }
            pos = end + 1;
        }
        return new LineStats(lineEnds.Length, bestRun, bestStart, bestRun > 0 ? bestEnd - bestStart : 0);
    }
}
