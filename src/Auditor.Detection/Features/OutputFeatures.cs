using System.Text.Json.Serialization;

namespace Auditor.Detection.Features;

/// <summary>
/// The feature vector of one output, built in one pass by <see cref="FeatureExtractor"/>.
/// Stored as JSON (camelCase) for uniform-stratum samples: baselines and the drift model are trained on it,
/// so it stays a flat record of numbers and booleans. Offsets are UTF-16 character offsets into the output.
/// </summary>
public sealed record OutputFeatures
{
    /// <summary>Length in UTF-16 characters (the unit of evidence offsets).</summary>
    public int CharLength { get; init; }

    /// <summary>Length in UTF-8 bytes.</summary>
    public int Utf8Bytes { get; init; }

    /// <summary>Characters that are not white space.</summary>
    public int NonWhitespaceChars { get; init; }

    /// <summary>Offset of the first and last non-white-space character, or -1 when there is none.</summary>
    public int FirstNonWhitespace { get; init; } = -1;
    public int LastNonWhitespace { get; init; } = -1;

    /// <summary>The publisher said generation stopped at the token limit.</summary>
    public bool FinishedByLength { get; init; }

    /// <summary>completionTokens / maxTokens when both are known and maxTokens &gt; 0.</summary>
    public double? TokenBudgetUsed { get; init; }

    /// <summary>Milliseconds per completion token, when latency and completion tokens are known.</summary>
    public double? LatencyPerToken { get; init; }

    // ---- words and lines ----

    /// <summary>Word tokens: runs of letters or digits, each CJK / kana / hangul character alone, each punctuation mark alone.</summary>
    public int WordCount { get; init; }

    /// <summary>Lines (line feeds + 1 when the output is not empty).</summary>
    public int LineCount { get; init; }

    /// <summary>Longest run of consecutive identical non-blank lines, its start offset and length in characters (0 when no line repeats).</summary>
    public int LongestRepeatedLineRun { get; init; }
    public int RepeatedLineRunStart { get; init; } = -1;
    public int RepeatedLineRunLength { get; init; }

    // ---- n-gram repetition over word tokens (Welleck et al.: seq-rep-n = 1 - distinct n-grams / n-grams), over the last 32,768 words ----

    public double SeqRep1 { get; init; }
    public double SeqRep2 { get; init; }
    public double SeqRep3 { get; init; }
    public double SeqRep4 { get; init; }

    /// <summary>Number of distinct word n-grams (Li et al.'s distinct-n numerator).</summary>
    public int Distinct1 { get; init; }
    public int Distinct2 { get; init; }
    public int Distinct3 { get; init; }
    public int Distinct4 { get; init; }

    // ---- repetition found by an LZ77 parse of the characters (digits folded to one symbol, so counting loops are loops) ----

    /// <summary>Share of characters that copy earlier text in a stretch of at least <see cref="FeatureExtractor.MinRepeatChars"/> characters.</summary>
    public double RepeatedShare { get; init; }

    /// <summary>
    /// Characters in verbatim copies of earlier text (digits not folded), each copied stretch of 24+ characters that holds
    /// a letter or digit weighted by min(1, length / 128): sentence-long copies count fully, shared phrases and code
    /// idioms little, runs of white space or punctuation (table padding, rules of dashes) not at all.
    /// </summary>
    public double WeightedCopiedChars { get; init; }

    /// <summary>
    /// The weighted copies (as <see cref="WeightedCopiedChars"/>) of the copy region the text ends in: copies that follow
    /// one another with at most <see cref="FeatureExtractor.CopyRegionGapChars"/> new characters between them, the last
    /// reaching to within <see cref="FeatureExtractor.TrailingSlackChars"/> characters of the last visible one. 0 when
    /// the text ends in new text. Repetition the model never got out of, loops with edits (counters, growing names) included.
    /// </summary>
    public double TrailingCopiedChars { get; init; }

    /// <summary>Where the trailing copy region starts (-1 when there is none).</summary>
    public int TrailingCopyStart { get; init; } = -1;

    /// <summary>Characters / estimated LZ77 code size (literals + 3 per back-reference): a zlib-like compression ratio without the header.</summary>
    public double CompressionRatio { get; init; }

    /// <summary>The longest copied stretch: where it starts, its length, and how far back its source is.</summary>
    public int LongestRepeatStart { get; init; } = -1;
    public int LongestRepeatLength { get; init; }
    public int LongestRepeatDistance { get; init; }

    /// <summary>The loop the text ends in (Holtzman et al.'s repetition): the span that repeats with <see cref="TrailingLoopPeriod"/> up to the end.</summary>
    public int TrailingLoopStart { get; init; } = -1;
    public int TrailingLoopLength { get; init; }

    /// <summary>Period of the trailing loop in characters (0 when the text does not end in a loop).</summary>
    public int TrailingLoopPeriod { get; init; }

    /// <summary>The same on word tokens: period in words and how many words the trailing loop covers.</summary>
    public int TrailingLoopPeriodWords { get; init; }
    public int TrailingLoopWords { get; init; }

    /// <summary>
    /// Near-verbatim repetition the text ends in: tokens of the longest stretch at the end in which at least 80% of the
    /// tokens lie in a word 4-gram seen earlier, on token shapes (lower case, each run of digits one digit, a capitalised
    /// word "a name"; a 4-gram of punctuation and numbers alone does not count), its start offset (-1 when none) and its
    /// share of the output's tokens. 0 unless at least 16 of the last 20 tokens lie in such a 4-gram (the text ends
    /// repeating) and the output has 200+ word tokens. A template line with small changes (a growing enumeration, a
    /// list of "X, the element found in our Y" lines, test cases differing in their numbers) is such a run.
    /// </summary>
    public int NearCopyRunTokens { get; init; }
    public int NearCopyRunStart { get; init; } = -1;
    public double NearCopyRunShare { get; init; }

    /// <summary>
    /// A prose paragraph (a line of at least 200 visible characters and 20 words, letters and spaces at least 80% of its
    /// characters, not a list item or heading, outside code fences) that repeats an earlier one word for word: where the later copy starts (-1 when
    /// none) and its length (the longest such paragraph).
    /// </summary>
    public int RepeatedParagraphStart { get; init; } = -1;
    public int RepeatedParagraphLength { get; init; }

    /// <summary>
    /// The longest run of one prose line (60+ visible characters, 10+ words, 80% letters and spaces, outside code fences)
    /// repeated in a row, blank lines between allowed, when it is at least 3 (else 0); where the run starts and its length.
    /// </summary>
    public int RepeatedProseLineRun { get; init; }
    public int RepeatedProseLineRunStart { get; init; } = -1;
    public int RepeatedProseLineRunLength { get; init; }

    /// <summary>
    /// Sub-word loops: places where a unit of 2 to 4 characters, holding a letter and two different characters and no
    /// white space, repeats at least 6 times in a row ("KjKjKjKjKjKj"), counted up to 8; the first one's start (-1 when
    /// none) and length.
    /// </summary>
    public int SubwordLoopPlaces { get; init; }
    public int SubwordLoopStart { get; init; } = -1;
    public int SubwordLoopLength { get; init; }

    /// <summary>
    /// A list that restates its own items: the most different items one list (its own items, not nested ones; outside
    /// code fences) says again verbatim after the marker (0 when none, or when the output has under 12 lines), that list's
    /// start (-1 when none) and length. Degeneration sign 9 holds from <see cref="FeatureExtractor.RestatedListItemsLimit"/>.
    /// </summary>
    public int RestatedListItems { get; init; }
    public int RestatedListStart { get; init; } = -1;
    public int RestatedListLength { get; init; }

    // ---- characters and scripts ----

    /// <summary>U+FFFD replacement characters (broken decoding) and control characters other than tab, CR and LF.</summary>
    public int ReplacementChars { get; init; }
    public int ControlChars { get; init; }

    /// <summary>Letters by script: Latin, Cyrillic, Greek, Arabic or Hebrew, CJK (Han, kana, hangul), and every other script.</summary>
    public int LatinLetters { get; init; }
    public int CyrillicLetters { get; init; }
    public int GreekLetters { get; init; }
    public int ArabicHebrewLetters { get; init; }
    public int CjkChars { get; init; }
    public int OtherScriptLetters { get; init; }

    /// <summary>Share of letters outside the dominant script (0 for single-script text).</summary>
    public double ScriptMix { get; init; }

    // ---- template tokens ----

    /// <summary>Occurrences of chat-template tokens, and the first one's offset, length and index in the token list.</summary>
    public int TemplateTokenHits { get; init; }
    public int FirstTemplateTokenStart { get; init; } = -1;
    public int FirstTemplateTokenLength { get; init; }
    public int FirstTemplateTokenIndex { get; init; } = -1;

    /// <summary>
    /// The first token that ends a sequence (<see cref="TemplateTokenSet.EndOfSequenceMarkers"/>): its offset (-1 when
    /// there is none) and length. Features stored before these were added read as none.
    /// </summary>
    public int EndOfSequenceTokenStart { get; init; } = -1;
    public int EndOfSequenceTokenLength { get; init; }

    /// <summary>
    /// Characters from the first visible character after that token to the last visible character, inclusive (0 when only
    /// white space follows; the white space a template puts after its token does not count): the model emitted its
    /// end-of-sequence token and generation went on. The run-on text ends at <see cref="LastNonWhitespace"/>.
    /// </summary>
    public int RunOnChars { get; init; }

    /// <summary>
    /// The output has visible characters and every one is sentence punctuation: a mark that ends, pauses or joins
    /// sentences (. , : ; ! ? and the ellipsis, the middle dot, inverted marks and dashes, with their CJK, Arabic and
    /// Indic forms): ".", "!", "...", "—". Such marks never answer anything alone. Brackets and quotes ("{}", "[]", "\"\"":
    /// empty structures), digits, symbols, and marks that work as symbols (# % &amp; * @ / \) are not sentence
    /// punctuation; a blank output is not punctuation-only.
    /// </summary>
    public bool SentencePunctuationOnly { get; init; }

    [JsonIgnore]
    public bool IsBlank => NonWhitespaceChars == 0;

    /// <summary>Natural log of (1 + characters): the length detector's unit.</summary>
    [JsonIgnore]
    public double LogLength => Math.Log(1 + (double)CharLength);

    /// <summary>The stable names of <see cref="ToVector"/>'s entries, in order (append only: stored models depend on the order).</summary>
    public static IReadOnlyList<string> VectorNames { get; } =
    [
        "logLength", "nonWhitespaceShare", "logWordCount", "logLineCount", "longestRepeatedLineRun",
        "seqRep1", "seqRep2", "seqRep3", "seqRep4", "repeatedShare", "weightedCopiedShare", "compressionRatio",
        "trailingLoopShare", "logTrailingLoopPeriod", "replacementShare", "controlShare", "scriptMix",
        "cjkShare", "templateTokenHits", "finishedByLength", "tokenBudgetUsed",
    ];

    /// <summary>A fixed numeric vector (see <see cref="VectorNames"/>) for models such as the drift PCA; missing values are 0.</summary>
    public float[] ToVector()
    {
        var n = Math.Max(1, CharLength);
        var letters = Math.Max(1, LatinLetters + CyrillicLetters + GreekLetters + ArabicHebrewLetters + CjkChars + OtherScriptLetters);
        return
        [
            (float)LogLength, (float)NonWhitespaceChars / n, (float)Math.Log(1 + (double)WordCount), (float)Math.Log(1 + (double)LineCount),
            LongestRepeatedLineRun, (float)SeqRep1, (float)SeqRep2, (float)SeqRep3, (float)SeqRep4, (float)RepeatedShare, (float)(WeightedCopiedChars / n),
            (float)CompressionRatio, (float)TrailingLoopLength / n, (float)Math.Log(1 + (double)TrailingLoopPeriod),
            (float)ReplacementChars / n, (float)ControlChars / n, (float)ScriptMix, (float)CjkChars / letters,
            TemplateTokenHits, FinishedByLength ? 1 : 0, (float)(TokenBudgetUsed ?? 0),
        ];
    }
}
