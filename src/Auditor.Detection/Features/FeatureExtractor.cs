using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Auditor.Contracts;

namespace Auditor.Detection.Features;

/// <summary>
/// Builds an output's feature vector. One forward pass over the characters gathers character, script, word,
/// line and template-token statistics and writes a digit-folded copy of the text into a reused buffer; an LZ77
/// parse then visits each position of that buffer once. Word n-gram statistics work on the word-hash array.
/// Scratch buffers are per thread and reused, so the only allocation per sample is the result record.
/// </summary>
public static partial class FeatureExtractor
{
    /// <summary>A copied stretch counts as repetition from this many characters on (about four English words).</summary>
    public const int MinRepeatChars = 24;

    /// <summary>A verbatim copy counts fully from this length (a long sentence, two lines of code); shorter ones count in proportion.</summary>
    public const double FullWeightCopyChars = 128;

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

    // The character pass. The inner loop handles ASCII without calls or data-dependent branches, so its counters stay in
    // registers: flags from a table, the word hash masked to zero outside words, word and punctuation tokens written
    // unconditionally at the end of the list (which only grows when the token is real), digits folded in the copy.
    // It stops at anything rare (a non-ASCII character, a possible template token), handled out of line.
    private static OutputFeatures Scan(OutputSample sample, ReadOnlySpan<char> text, TemplateTokenSet tokens, Scratch scratch)
    {
        var folded = scratch.Folded.AsSpan(0, text.Length);
        var words = scratch.Words.AsSpan(0, text.Length + 1);
        ReadOnlySpan<byte> flags = s_asciiFlags;
        ReadOnlySpan<bool> triggers = tokens.AsciiTriggers;
        int wordCount = 0, prevWord = 0, nonAsciiSpaces = 0;
        uint wordHash = 0;
        var cold = new ColdCounts { TemplateStart = -1, TemplateIndex = -1 };
        ref var t0 = ref MemoryMarshal.GetReference(text);
        ref var f0 = ref MemoryMarshal.GetReference(folded);
        ref var w0 = ref MemoryMarshal.GetReference(words);
        ref var flags0 = ref MemoryMarshal.GetReference(flags);
        ref var trig0 = ref MemoryMarshal.GetReference(triggers);
        var i = 0;
        while (true)
        {
            char c;
            int f;
            // Unchecked indexing in the hot loop: i < text.Length = folded.Length, wordCount <= i + 1 < words.Length, c < 128.
            for (; i < text.Length; i++)
            {
                c = Unsafe.Add(ref t0, i);
                if (c >= 128 || Unsafe.Add(ref trig0, c))
                    break;
                f = Unsafe.Add(ref flags0, c);
                var isWord = f & WordFlag;
                Unsafe.Add(ref w0, wordCount) = MixWord(wordHash);
                wordCount += prevWord & ~isWord;
                Unsafe.Add(ref w0, wordCount) = PunctuationToken(c);
                wordCount += (f >> 1) & 1; // PunctFlag
                wordHash = (BitOperations.RotateLeft(wordHash, 5) ^ c) & (uint)-isWord;
                prevWord = isWord;
                Unsafe.Add(ref f0, i) = (char)(c ^ ((c ^ '0') & -((f >> 5) & 1))); // digits fold to '0'
            }
            if (i >= text.Length)
                break;

            c = text[i];
            if (c < 128)
            {
                f = flags[c];
                MatchTemplateToken(text, i, tokens, ref cold);
            }
            else
            {
                f = CountNonAscii(text, i, tokens, ref cold);
            }
            if (c >= 128)
                nonAsciiSpaces += (f >> 2) & 1;
            {
                var isWord = f & WordFlag;
                words[wordCount] = MixWord(wordHash);
                wordCount += prevWord & ~isWord;
                words[wordCount] = PunctuationToken(c);
                wordCount += (f >> 1) & 1;
                wordHash = (BitOperations.RotateLeft(wordHash, 5) ^ c) & (uint)-isWord;
                prevWord = isWord;
                folded[i] = (char)(c ^ ((c ^ '0') & -((f >> 5) & 1)));
            }
            i++;
        }
        if (prevWord != 0)
            words[wordCount++] = MixWord(wordHash);
        // ASCII letters, white space and control characters are counted with vector instructions afterwards.
        var ascii = CountAscii(text);
        var latin = ascii.Letters + cold.Latin;
        var control = ascii.Controls + cold.Control;
        var nonWhitespace = text.Length - ascii.Spaces - nonAsciiSpaces;
        // First and last visible characters: a short walk from either end (tracking them in the loop would put a
        // data-dependent branch on every character).
        var first = nonWhitespace == 0 ? -1 : FirstVisible(text);
        var last = nonWhitespace == 0 ? -1 : LastVisible(text);

        var lineStats = RepeatedLines(text);
        var lz = ParseRepeats(scratch.Folded.AsSpan(0, text.Length), text, scratch);
        // n-gram statistics cover the last MaxNGramWords words: bounded memory on a 1 MiB output, and the end is where loops are.
        var ngrams = CountNGrams(scratch.Words.AsSpan(Math.Max(0, wordCount - MaxNGramWords), Math.Min(wordCount, MaxNGramWords)), scratch);
        var wordLoop = TrailingWordLoop(scratch.Words.AsSpan(0, wordCount));
        double? budget = sample is { CompletionTokens: { } used, MaxTokens: > 0 and var max } ? (double)used / max : null;
        double? latencyPerToken = sample is { LatencyMs: { } ms, CompletionTokens: > 0 and var completion } ? ms / completion : null;
        var letters = latin + cold.Cyrillic + cold.Greek + cold.ArabicHebrew + cold.Cjk + cold.OtherScript;
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
            Utf8Bytes = Encoding.UTF8.GetByteCount(text),
            FinishedByLength = sample.FinishReason == FinishReasons.Length,
            TokenBudgetUsed = budget,
            LatencyPerToken = latencyPerToken,
            SeqRep1 = ngrams.SeqRep1, SeqRep2 = ngrams.SeqRep2, SeqRep3 = ngrams.SeqRep3, SeqRep4 = ngrams.SeqRep4,
            Distinct1 = ngrams.Distinct1, Distinct2 = ngrams.Distinct2, Distinct3 = ngrams.Distinct3, Distinct4 = ngrams.Distinct4,
            RepeatedShare = lz.RepeatedShare,
            WeightedCopiedChars = lz.WeightedCopiedChars,
            CompressionRatio = lz.CompressionRatio,
            LongestRepeatStart = lz.LongestStart,
            LongestRepeatLength = lz.LongestLength,
            LongestRepeatDistance = lz.LongestDistance,
            TrailingLoopStart = lz.LoopStart,
            TrailingLoopLength = lz.LoopLength,
            TrailingLoopPeriod = lz.LoopPeriod,
            TrailingLoopPeriodWords = wordLoop.Period,
            TrailingLoopWords = wordLoop.Words,
        };
    }

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

    // Line structure with vectorised searches: the longest run of identical consecutive non-blank lines.
    // Blank lines do not break a run: loops often repeat a paragraph followed by an empty line.
    private static LineStats RepeatedLines(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
            return new LineStats(0, 0, -1, 0);
        int lines = 0, pos = 0, prevStart = -1, prevLength = 0, run = 0, runStart = 0, bestRun = 0, bestStart = -1, bestEnd = 0;
        while (true)
        {
            lines++;
            var nl = text[pos..].IndexOf('\n');
            var end = nl < 0 ? text.Length : pos + nl;
            var line = text[pos..end];
            if (line.IndexOfAnyExcept(" \t\r") >= 0)
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
            if (nl < 0)
                break;
            pos = end + 1;
        }
        return new LineStats(lines, bestRun, bestStart, bestRun > 0 ? bestEnd - bestStart : 0);
    }
}
