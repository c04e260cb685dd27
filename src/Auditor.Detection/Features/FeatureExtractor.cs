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
public static class FeatureExtractor
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

    private enum CharClass : byte { Letter, Digit, Space, Punct, Control }

    private static readonly CharClass[] s_ascii = BuildAsciiTable();

    private static CharClass[] BuildAsciiTable()
    {
        var table = new CharClass[128];
        for (var c = 0; c < 128; c++)
        {
            table[c] = c switch
            {
                ' ' or '\n' or '\t' or '\r' or '\v' or '\f' => CharClass.Space,
                < 32 or 127 => CharClass.Control,
                >= 'a' and <= 'z' or >= 'A' and <= 'Z' or '_' => CharClass.Letter,
                >= '0' and <= '9' => CharClass.Digit,
                _ => CharClass.Punct,
            };
        }
        return table;
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

    private readonly record struct AsciiCounts(int Letters, int Spaces, int Controls);

    // Counts ASCII letters (a-z, A-Z), white space (space, tab, LF, VT, FF, CR) and other control characters (C0 and DEL)
    // sixteen or more characters at a time. Lane counters are 16-bit, so they are emptied every 32,768 vectors.
    private static AsciiCounts CountAscii(ReadOnlySpan<char> text)
    {
        var u = MemoryMarshal.Cast<char, ushort>(text);
        int letters = 0, spaces = 0, controls = 0, i = 0;
        var width = Vector<ushort>.Count;
        while (i + width <= u.Length)
        {
            Vector<ushort> accLetters = default, accSpaces = default, accControls = default;
            var blockEnd = Math.Min(u.Length - width + 1, i + 32_768 * width);
            for (; i < blockEnd; i += width)
            {
                var v = new Vector<ushort>(u[i..]);
                var isLetter = Vector.LessThan((v | new Vector<ushort>(0x20)) - new Vector<ushort>('a'), new Vector<ushort>(26));
                var isSpace = Vector.Equals(v, new Vector<ushort>(' '))
                    | Vector.LessThan(v - new Vector<ushort>('\t'), new Vector<ushort>(5)); // \t \n \v \f \r
                var isControl = Vector.AndNot(Vector.LessThan(v, new Vector<ushort>(0x20)) | Vector.Equals(v, new Vector<ushort>(0x7F)), isSpace);
                accLetters -= isLetter; // a true lane is all ones, that is -1
                accSpaces -= isSpace;
                accControls -= isControl;
            }
            letters += SumLanes(accLetters);
            spaces += SumLanes(accSpaces);
            controls += SumLanes(accControls);
        }
        for (; i < u.Length; i++)
        {
            var c = u[i];
            letters += (ushort)((c | 0x20) - 'a') < 26 ? 1 : 0;
            var space = c == ' ' || (ushort)(c - '\t') < 5;
            spaces += space ? 1 : 0;
            controls += !space && (c < 0x20 || c == 0x7F) ? 1 : 0;
        }
        return new AsciiCounts(letters, spaces, controls);

        static int SumLanes(Vector<ushort> v)
        {
            var sum = 0;
            for (var k = 0; k < Vector<ushort>.Count; k++)
                sum += v[k];
            return sum;
        }
    }

    private struct ColdCounts
    {
        public int Latin, Greek, Cyrillic, ArabicHebrew, Cjk, OtherScript, Replacement, Control;
        public int TemplateHits, TemplateStart, TemplateLength, TemplateIndex;
    }

    // Counts a non-ASCII character by script (and looks for a template token there); returns its class flags.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int CountNonAscii(ReadOnlySpan<char> text, int i, TemplateTokenSet tokens, ref ColdCounts cold)
    {
        var c = text[i];
        var (cls, script) = ClassifyNonAscii(c);
        switch (script)
        {
            case Script.Latin: cold.Latin++; break;
            case Script.Greek: cold.Greek++; break;
            case Script.Cyrillic: cold.Cyrillic++; break;
            case Script.ArabicHebrew: cold.ArabicHebrew++; break;
            case Script.Cjk: cold.Cjk++; break;
            case Script.Other: cold.OtherScript++; break;
        }
        if (c == '\uFFFD')
            cold.Replacement++;
        if (cls == CharClass.Control)
            cold.Control++;
        if (tokens.HasNonAsciiTriggers && tokens.MayStart(c))
            MatchTemplateToken(text, i, tokens, ref cold);
        return cls switch
        {
            CharClass.Letter => WordFlag, // its script is counted above
            CharClass.Digit => WordFlag | DigitFlag,
            CharClass.Space => SpaceFlag,
            CharClass.Control => ControlFlag,
            _ => PunctFlag,
        };
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MatchTemplateToken(ReadOnlySpan<char> text, int i, TemplateTokenSet tokens, ref ColdCounts cold)
    {
        var (index, length) = tokens.MatchAt(text, i);
        if (index >= 0 && cold.TemplateHits++ == 0)
            (cold.TemplateStart, cold.TemplateLength, cold.TemplateIndex) = (i, length, index);
    }

    private const int WordFlag = 1, PunctFlag = 2, SpaceFlag = 4, ControlFlag = 8, LetterFlag = 16, DigitFlag = 32;

    private static readonly byte[] s_asciiFlags = BuildAsciiFlags();

    private static byte[] BuildAsciiFlags()
    {
        var table = new byte[128];
        for (var c = 0; c < 128; c++)
        {
            table[c] = s_ascii[c] switch
            {
                CharClass.Letter => WordFlag | LetterFlag,
                CharClass.Digit => WordFlag | DigitFlag,
                CharClass.Space => SpaceFlag,
                CharClass.Control => ControlFlag,
                _ => PunctFlag,
            };
        }
        return table;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int MixWord(uint h) => (int)(h * 0x9E3779B1u ^ (h >> 15));

    // A punctuation mark or CJK character is a word of its own.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PunctuationToken(char c) => (int)(0x85EBCA6Bu * (c + 0x10000u));

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

    private enum Script : byte { None, Latin, Greek, Cyrillic, ArabicHebrew, Cjk, Other }

    private static (CharClass Class, Script Script) ClassifyNonAscii(char c)
    {
        if (c == '\uFFFD')
            return (CharClass.Punct, Script.None);
        if (c is >= '\u3040' and <= '\u30FF' or >= '\u3400' and <= '\u4DBF' or >= '\u4E00' and <= '\u9FFF'
            or >= '\uAC00' and <= '\uD7AF' or >= '\uF900' and <= '\uFAFF')
        {
            // A CJK character is a word of its own: these scripts do not separate words with spaces.
            return (CharClass.Punct, Script.Cjk);
        }
        if (char.IsWhiteSpace(c))
            return (CharClass.Space, Script.None);
        if (c is >= '\u0080' and <= '\u009F')
            return (CharClass.Control, Script.None);
        if (char.IsDigit(c))
            return (CharClass.Digit, Script.None);
        if (!char.IsLetter(c))
            return (CharClass.Punct, Script.None);
        return c switch
        {
            < '\u0250' or >= '\u1E00' and <= '\u1EFF' => (CharClass.Letter, Script.Latin),
            >= '\u0370' and <= '\u03FF' => (CharClass.Letter, Script.Greek),
            >= '\u0400' and <= '\u052F' => (CharClass.Letter, Script.Cyrillic),
            >= '\u0590' and <= '\u06FF' or >= '\u0750' and <= '\u077F' => (CharClass.Letter, Script.ArabicHebrew),
            _ => (CharClass.Letter, Script.Other),
        };
    }

    private readonly record struct RepeatStats(
        double RepeatedShare, double WeightedCopiedChars, double CompressionRatio, int LongestStart, int LongestLength, int LongestDistance,
        int LoopStart, int LoopLength, int LoopPeriod);

    // Greedy LZ77 parse with a hash of the last position of every 8-character key. A loop shows up as one long
    // match whose source is one period back; counting "Chapter 12, Chapter 13" works because digits are folded.
    private static RepeatStats ParseRepeats(ReadOnlySpan<char> s, ReadOnlySpan<char> raw, Scratch scratch)
    {
        var n = s.Length;
        if (n < MatchKey * 2)
            return new RepeatStats(0, 0, n == 0 ? 0 : 1, -1, 0, 0, -1, 0, 0);

        var bits = Math.Clamp(BitOperations.Log2((uint)n) + 2, 8, 20);
        var head = scratch.Head(1 << bits, n, out var stamp);
        var shift = 64 - bits;
        ref var b0 = ref MemoryMarshal.GetReference(MemoryMarshal.AsBytes(s));
        var copied = 0.0;

        int matched = 0, matches = 0, repeated = 0, longestStart = -1, longestLength = 0, longestDistance = 0;
        int lastMatchStart = -1, lastMatchLength = 0, lastMatchDistance = 0;
        var i = 0;
        while (true)
        {
            // Literal run: no calls and no data-dependent branch but the match test, which is almost always false
            // in natural text. Table entries hold stamp + position; anything below the stamp is from an earlier output.
            var j = -1;
            for (; i + MatchKey <= n; i++)
            {
                // The key hashes the first four characters; the candidate is then checked on all eight.
                var k0 = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b0, i * 2));
                var h = (int)((k0 * 0x9E3779B97F4A7C15UL) >> shift);
                var candidate = Math.Max(head[h] - stamp, 0);
                head[h] = stamp + i;
                if (candidate < i
                    && Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b0, candidate * 2)) == k0
                    && Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b0, candidate * 2 + 8)) == Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b0, i * 2 + 8)))
                {
                    j = candidate;
                    break;
                }
            }
            if (j < 0)
                break;

            var length = MatchKey + s[(i + MatchKey)..].CommonPrefixLength(s[(j + MatchKey)..]);
            // Compression counts what is copied verbatim (digits not folded: a table of different numbers is information).
            var verbatim = VerbatimStretches(raw.Slice(i, length), raw.Slice(j, length));
            matches += verbatim.Stretches;
            matched += verbatim.Chars;
            if (length >= MinRepeatChars)
            {
                repeated += length;
                copied += verbatim.Weight;
            }
            if (length > longestLength)
                (longestStart, longestLength, longestDistance) = (i, length, i - j);
            (lastMatchStart, lastMatchLength, lastMatchDistance) = (i, length, i - j);
            // Index the copied stretch only when short: inside a long copy every key is already indexed one copy back.
            var end = i + length;
            var indexFrom = length <= 32 ? i + 1 : Math.Max(i + 1, end - MatchKey);
            for (var p = indexFrom; p + MatchKey <= n && p < end; p++)
            {
                var a = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b0, p * 2));
                head[(int)((a * 0x9E3779B97F4A7C15UL) >> shift)] = stamp + p;
            }
            i = end;
        }
        var literals = n - matched;

        // The trailing loop: the last copy reaches the end and overlaps its source (at least two back-to-back copies).
        // Walk back from the copy while the text keeps the same period, to find where the loop began.
        int loopStart = -1, loopLength = 0, loopPeriod = 0;
        if (lastMatchStart >= 0 && lastMatchStart + lastMatchLength == n && lastMatchLength >= lastMatchDistance)
        {
            var d = lastMatchDistance;
            var start = lastMatchStart - d;
            while (start > 0 && s[start - 1] == s[start - 1 + d])
                start--;
            var period = MinimalPeriod(s[start..], d);
            // A loop seen only with digits folded must repeat words ("Chapter 12, Chapter 13"); a run of numbers
            // (a table, a list of values) is not a loop unless it repeats verbatim.
            if (RepeatsWords(raw.Slice(start, period))
                || raw[(start + period)..].SequenceEqual(raw[start..^period]))
            {
                (loopStart, loopLength, loopPeriod) = (start, n - start, period);
            }
        }

        var codeSize = literals + 3 * matches;
        return new RepeatStats((double)repeated / n, copied, (double)n / Math.Max(1, codeSize), longestStart, longestLength, longestDistance,
            loopStart, loopLength, loopPeriod);
    }

    private readonly record struct Verbatim(int Chars, int Stretches, double Weight);

    /// <summary>
    /// The verbatim (unfolded) stretches of a copy: characters and count of those of 8+ characters (for compression), and the
    /// weight of those of 24+ characters, each by length x min(1, length / 128).
    /// </summary>
    private static Verbatim VerbatimStretches(ReadOnlySpan<char> copy, ReadOnlySpan<char> source)
    {
        int chars = 0, stretches = 0;
        var weight = 0.0;
        var pos = 0;
        while (pos < copy.Length)
        {
            var run = copy[pos..].CommonPrefixLength(source[pos..]);
            if (run >= MatchKey)
            {
                chars += run;
                stretches++;
            }
            if (run >= MinRepeatChars)
                weight += run * Math.Min(1.0, run / FullWeightCopyChars);
            pos += run + 1; // skip the differing (digit) character
        }
        return new Verbatim(chars, stretches, weight);
    }

    // True when the loop unit holds a letter of some script (a word, not only numbers and punctuation).
    private static bool RepeatsWords(ReadOnlySpan<char> unit)
    {
        foreach (var c in unit)
        {
            if (char.IsLetter(c))
                return true;
        }
        return false;
    }

    // The smallest divisor q of the found period d for which the loop span still has period q ("ab ab ab" is period 3, not 6).
    private static int MinimalPeriod(ReadOnlySpan<char> loop, int d)
    {
        for (var q = 1; q < d; q++)
        {
            if (d % q == 0 && loop[q..].SequenceEqual(loop[..^q]))
                return q;
        }
        return d;
    }

    private readonly record struct NGramStats(
        double SeqRep1, double SeqRep2, double SeqRep3, double SeqRep4, int Distinct1, int Distinct2, int Distinct3, int Distinct4);

    // seq-rep-n = 1 - distinct n-grams / n-grams for n = 1..4, in one pass: the four n-gram hashes at a position are
    // built from each other, and each goes into its own open-addressing set of 32-bit hashes. Entries carry the
    // number of the count they belong to (an epoch), so the sets are never cleared between outputs.
    private static NGramStats CountNGrams(ReadOnlySpan<int> words, Scratch scratch)
    {
        var t = words.Length;
        if (t == 0)
            return default;
        var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, t * 4));
        var all = scratch.Set(capacity * 4, out var epoch);
        var set1 = all[..capacity];
        var set2 = all.Slice(capacity, capacity);
        var set3 = all.Slice(capacity * 2, capacity);
        var set4 = all.Slice(capacity * 3, capacity);
        var tag = (ulong)epoch << 32;
        var mask = capacity - 1;
        int d1 = 0, d2 = 0, d3 = 0, d4 = 0;
        for (var i = 0; i < t; i++)
        {
            var k1 = ((ulong)(uint)words[i] + 1) * 0x9E3779B97F4A7C15UL;
            d1 += Add(set1, k1, tag, mask);
            if (i + 1 >= t)
                continue;
            var k2 = (k1 ^ (uint)words[i + 1]) * 0xC2B2AE3D27D4EB4FUL;
            d2 += Add(set2, k2, tag, mask);
            if (i + 2 >= t)
                continue;
            var k3 = (k2 ^ (uint)words[i + 2]) * 0x165667B19E3779F9UL;
            d3 += Add(set3, k3, tag, mask);
            if (i + 3 >= t)
                continue;
            var k4 = (k3 ^ (uint)words[i + 3]) * 0x9E3779B97F4A7C15UL;
            d4 += Add(set4, k4, tag, mask);
        }
        return new NGramStats(Rep(d1, t), Rep(d2, t - 1), Rep(d3, t - 2), Rep(d4, t - 3), d1, d2, d3, d4);

        static double Rep(int distinct, int total) => total <= 0 ? 0 : 1 - (double)distinct / total;
    }

    // Adds a hash to the set; 1 when it was not there yet. The sets are at most a quarter full, so the first slot
    // almost always settles it, and "found" versus "new" is not a branch (it would mispredict on every other word).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Add(Span<ulong> set, ulong key, ulong tag, int mask)
    {
        var entry = tag | (key >> 32);
        var slot = (int)key & mask;
        while (true)
        {
            var existing = set[slot];
            var isNew = (existing & 0xFFFFFFFF00000000UL) != tag;
            if ((existing == entry) | isNew)
            {
                set[slot] = entry;
                return isNew ? 1 : 0;
            }
            slot = (slot + 1) & mask;
        }
    }

    // The longest loop at the end of the word sequence: smallest period p whose copies cover the most words.
    private static (int Period, int Words) TrailingWordLoop(ReadOnlySpan<int> w)
    {
        var t = w.Length;
        int bestPeriod = 0, bestCover = 0;
        for (var p = 1; p <= Math.Min(MaxWordPeriod, t / 2); p++)
        {
            if (bestPeriod > 0 && p % bestPeriod == 0)
                continue;
            var k = 0;
            while (k + p < t && w[t - 1 - k] == w[t - 1 - k - p])
                k++;
            if (k >= p && k + p > bestCover)
                (bestPeriod, bestCover) = (p, k + p);
        }
        return (bestPeriod, bestCover);
    }

    /// <summary>Per-thread buffers, grown to the largest output seen and reused.</summary>
    private sealed class Scratch
    {
        public char[] Folded = [];
        public int[] Words = [];
        private int[] _head = [];
        private ulong[] _set = [];

        public void Ensure(int length)
        {
            // Words holds one more entry than characters: an empty output on a fresh thread still needs one.
            if (Folded.Length < length || Words.Length < length + 1)
            {
                Folded = new char[(int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(length, 1024))];
                Words = new int[Folded.Length + 1];
            }
        }

        private int _nextStamp = 1;

        // The LZ77 hash table is never cleared: each output gets a stamp above every position stored before it.
        public Span<int> Head(int size, int length, out int stamp)
        {
            if (_head.Length < size || _nextStamp > int.MaxValue - length - 1)
            {
                _head = new int[Math.Max(size, _head.Length)];
                _nextStamp = 1;
            }
            stamp = _nextStamp;
            _nextStamp += length + 1;
            return _head.AsSpan(0, size);
        }

        private uint _epoch;

        public Span<ulong> Set(int size, out uint epoch)
        {
            if (_set.Length < size)
            {
                _set = new ulong[size];
                _epoch = 0;
            }
            if (++_epoch == 0)
            {
                // After 2^32 counts the tags would repeat: start over from a clean table.
                Array.Clear(_set);
                _epoch = 1;
            }
            epoch = _epoch;
            return _set.AsSpan(0, size);
        }
    }
}
