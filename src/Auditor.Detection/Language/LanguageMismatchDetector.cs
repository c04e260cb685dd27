using System.Globalization;
using System.Text;
using Lingua;

namespace Auditor.Detection.Language;

/// <summary>
/// Flags an answer written in another language than the one expected: the language the stream declares in rules/
/// (<c>language: { enabled: true, expect: fr }</c>) or, where none is declared and the stream switches the
/// <c>prompt</c> sign on, the language of the prompt; otherwise it abstains at no cost. Languages
/// are identified by Lingua (SearchPioneer.Lingua, every spoken language it knows: Latin, which code, formulas and tables were taken for, is left out; low-accuracy mode: trigram models only) on
/// the first <see cref="PrefixChars"/> characters of prose (lines that are mostly letters, with fenced and inline code
/// and URLs removed), and only on text
/// of at least <see cref="MinLetters"/> letters, where Lingua's low-accuracy mode is as good as its full mode; shorter
/// text abstains, saying so. A prompt that names the answer's language ("translate this into German") asked for it,
/// so that is not a mismatch. A mismatch needs the expected language to be implausible (confidence under
/// <see cref="MaxExpectedConfidence"/>), a prompt is a reference and an answer is judged only when its language is clear
/// (confidence at least <see cref="MinReferenceConfidence"/>), and a language that gets that much confidence in the
/// prompt (an instruction in one language around text in another) is a right answer too. Score 1 for a mismatch, 0 otherwise. Off in default.yaml: it costs far more than the
/// one-pass features (docs/detectors.md), so a stream switches it on where the language matters.
/// </summary>
public sealed class LanguageMismatchDetector : IDetector
{
    /// <summary>The rules/ parameter that declares the stream's language, an ISO 639-1 code.</summary>
    public const string ExpectParameter = "expect";

    /// <summary>Lingua's low-accuracy mode is reliable from about 120 characters on (its documentation); we count letters.</summary>
    public const int MinLetters = 120;

    /// <summary>Only this much prose is identified: the language of an answer shows in its first paragraphs, and the cost stays bounded.</summary>
    public const int PrefixChars = 1000;

    /// <summary>
    /// A prompt is a reference, and an answer is judged, only when Lingua gives its language at least this confidence
    /// (code and mixed texts do not reach it).
    /// </summary>
    public const double MinReferenceConfidence = 0.9;

    /// <summary>The answer counts as in another language only when the expected one gets less than this confidence.</summary>
    public const double MaxExpectedConfidence = 0.05;

    private static readonly Lazy<LanguageDetector> Identifier = new(() =>
        LanguageDetectorBuilder.FromAllSpokenLanguages().WithLowAccuracyMode().Build(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The sign that judges against the prompt's language where the stream declares none (off by default: prompts mix code and languages).</summary>
    public const string PromptSign = "prompt";

    public static IReadOnlyList<string> SignNames { get; } = [PromptSign];

    private static readonly System.Collections.Frozen.FrozenSet<string> PromptOff = System.Collections.Frozen.FrozenSet.ToFrozenSet([PromptSign], StringComparer.Ordinal);

    public IReadOnlySet<string> SignsOffByDefault => PromptOff;

    public string Name => "language";

    public double DefaultThreshold => 1;

    /// <summary>An ISO 639-1 code (any case) of a language Lingua knows.</summary>
    public static bool TryParseLanguage(string code, out Lingua.Language language)
    {
        language = Lingua.Language.Unknown;
        if (code.Length != 2 || !Enum.TryParse<IsoCode6391>(code, ignoreCase: true, out var iso) || !Enum.IsDefined(iso))
            return false;
        language = LanguageInfo.GetByIsoCode6391(iso);
        return language != Lingua.Language.Unknown;
    }

    public DetectorResult Evaluate(DetectionContext context, DetectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        var declaredCode = settings.Parameter(ExpectParameter);
        if (declaredCode is null && settings.SignsOff.Contains(PromptSign))
            return DetectorResult.Abstain(Name, settings.Threshold, "This stream declares no language in rules/ (expect) and does not compare with the prompt's.");
        var output = context.Sample.Output ?? "";
        var (answerText, answerLetters) = Prose(output);
        if (answerLetters < MinLetters)
        {
            return DetectorResult.Abstain(Name, settings.Threshold, string.Create(CultureInfo.InvariantCulture,
                $"The answer has {answerLetters} letters of prose; its language is told reliably from {MinLetters} on."));
        }

        Lingua.Language expected;
        string from;
        IReadOnlyDictionary<Lingua.Language, double>? promptValues = null;
        if (declaredCode is not null && TryParseLanguage(declaredCode, out var declared))
        {
            (expected, from) = (declared, "the stream declares");
        }
        else
        {
            var (promptText, promptLetters) = Prose(context.Sample.Prompt ?? "");
            if (promptLetters < MinLetters)
            {
                return DetectorResult.Abstain(Name, settings.Threshold, string.Create(CultureInfo.InvariantCulture,
                    $"No language is declared for this stream and the prompt has {promptLetters} letters of prose; a language is told reliably from {MinLetters} on."));
            }
            promptValues = Identifier.Value.ComputeLanguageConfidenceValues(promptText);
            var (top, confidence) = Top(promptValues);
            from = "the prompt is in";
            if (top == Lingua.Language.Unknown || confidence < MinReferenceConfidence)
                return DetectorResult.Abstain(Name, settings.Threshold, "The prompt's language is not clear enough to compare the answer with.");
            expected = top;
        }

        var values = Identifier.Value.ComputeLanguageConfidenceValues(answerText);
        var (actual, actualConfidence) = Top(values);
        if (actual == Lingua.Language.Unknown || actualConfidence < MinReferenceConfidence)
            return DetectorResult.Abstain(Name, settings.Threshold, "The answer's language is not clear enough to compare.");
        var expectedConfidence = values.TryGetValue(expected, out var v) ? v : 0;
        // A prompt that mixes languages (an instruction in Russian around English code) makes either one a right answer.
        var promptHasIt = promptValues is not null && promptValues.TryGetValue(actual, out var p) && p >= MaxExpectedConfidence;
        if (actual == expected || expectedConfidence >= MaxExpectedConfidence || promptHasIt)
        {
            return new DetectorResult(Name, 0, settings.Threshold, false, [], string.Create(CultureInfo.InvariantCulture,
                $"The answer is in {actual}; {from} {expected} (confidence {expectedConfidence:0.00} that the answer is in {expected})."));
        }
        var prompt = context.Sample.Prompt ?? "";
        if (prompt.Contains(actual.ToString(), StringComparison.OrdinalIgnoreCase))
        {
            return new DetectorResult(Name, 0, settings.Threshold, false, [],
                $"The answer is in {actual} where {from} {expected}, but the prompt names {actual}: it asked for that language.");
        }
        var first = Math.Max(0, output.AsSpan().IndexOfAnyExcept(" \t\r\n"));
        return new DetectorResult(Name, 1, settings.Threshold, 1 >= settings.Threshold,
            [new EvidenceSpan(first, Math.Min(PrefixChars, output.Length - first), $"identified as {actual}")],
            $"The answer is in {actual} ({LanguageInfo.IsoCode6391(actual).ToString().ToLowerInvariant()}), but {from} {expected} ({LanguageInfo.IsoCode6391(expected).ToString().ToLowerInvariant()}).");
    }

    private static (Lingua.Language Language, double Confidence) Top(IReadOnlyDictionary<Lingua.Language, double> values)
    {
        var best = (Lingua.Language.Unknown, 0.0);
        foreach (var (language, confidence) in values)
        {
            if (confidence > best.Item2)
                best = (language, confidence);
        }
        return best;
    }

    // A line is prose when letters make at least 60% of its visible characters and it has three words or more: code,
    // tables of numbers, paths and formulas say nothing of the language the text speaks.
    private static bool IsProse(ReadOnlySpan<char> line)
    {
        int visible = 0, letters = 0, words = 0;
        var inWord = false;
        foreach (var c in line)
        {
            if (char.IsWhiteSpace(c))
            {
                inWord = false;
                continue;
            }
            visible++;
            if (char.IsLetter(c))
            {
                letters++;
                words += inWord ? 0 : 1;
                inWord = true;
            }
        }
        // CJK text has no spaces between words: its letters count as words.
        return visible > 0 && letters * 10 >= visible * 6 && (words >= 3 || letters >= 12);
    }

    // The first PrefixChars characters of prose: fenced code blocks, inline code and URLs say nothing of the language
    // the answer speaks. Returns the text and how many letters it holds.
    private static (string Text, int Letters) Prose(string text)
    {
        var sb = new StringBuilder(Math.Min(text.Length, PrefixChars));
        var letters = 0;
        var i = 0;
        var inFence = false;
        while (i < text.Length && sb.Length < PrefixChars)
        {
            if (text.AsSpan(i).StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                var nl = text.IndexOf('\n', i);
                i = nl < 0 ? text.Length : nl + 1;
                continue;
            }
            var lineEnd = text.IndexOf('\n', i);
            var line = text.AsSpan(i, (lineEnd < 0 ? text.Length : lineEnd + 1) - i);
            i += line.Length;
            if (inFence || !IsProse(line))
                continue;
            var inCode = false;
            for (var k = 0; k < line.Length && sb.Length < PrefixChars; k++)
            {
                var c = line[k];
                if (c == '`')
                {
                    inCode = !inCode;
                    continue;
                }
                if (inCode)
                    continue;
                if ((c == 'h' || c == 'w') && (line[k..].StartsWith("http", StringComparison.Ordinal) || line[k..].StartsWith("www.", StringComparison.Ordinal)))
                {
                    while (k < line.Length && !char.IsWhiteSpace(line[k]))
                        k++;
                    sb.Append(' ');
                    continue;
                }
                letters += char.IsLetter(c) ? 1 : 0;
                sb.Append(c);
            }
        }
        return (sb.ToString(), letters);
    }
}
