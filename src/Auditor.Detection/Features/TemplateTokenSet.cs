using System.Buffers;

namespace Auditor.Detection.Features;

/// <summary>
/// Literal chat-template tokens (such as <c>&lt;|im_end|&gt;</c>) found during the feature pass. A token is only
/// compared where its first character occurs, so the scan costs one table lookup per character.
/// </summary>
public sealed class TemplateTokenSet
{
    private readonly string[][] _byFirstChar = new string[128][];
    private readonly Dictionary<char, string[]> _nonAscii = [];
    private readonly bool[] _endsSequence;

    public TemplateTokenSet(IEnumerable<string> tokens)
    {
        Tokens = tokens.Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
        _endsSequence = Tokens.Select(t => EndOfSequenceMarkers.Any(m => t.StartsWith(m, StringComparison.Ordinal))).ToArray();
        foreach (var group in Tokens.GroupBy(t => t[0]))
        {
            // Longest first, so "<|eot_id|><|start_header_id|>" wins over "<|eot_id|>" at the same offset.
            var list = group.OrderByDescending(t => t.Length).ToArray();
            if (group.Key < 128)
            {
                _byFirstChar[group.Key] = list;
                AsciiTriggers[group.Key] = true;
            }
            else
                _nonAscii[group.Key] = list;
        }
        PlainAscii = SearchValues.Create(Enumerable.Range(0, 128).Where(c => !AsciiTriggers[c]).Select(c => (char)c).ToArray());
    }

    /// <summary>For each ASCII character, whether a token starts with it (the hot-path test).</summary>
    internal bool[] AsciiTriggers { get; } = new bool[128];

    /// <summary>The ASCII characters no token starts with: the feature pass's hot loop runs while the text holds only these.</summary>
    internal SearchValues<char> PlainAscii { get; }

    internal bool HasNonAsciiTriggers => _nonAscii.Count > 0;

    /// <summary>The tokens, in the order their indexes refer to.</summary>
    public IReadOnlyList<string> Tokens { get; }

    // Declared before Default: static initializers run in text order, and Default's constructor reads this list.
    /// <summary>
    /// The markers of a sequence's end (of a turn, a message or the text) in common chat templates and tokenizers, in
    /// order: ChatML, Llama 3 (end of turn), GPT-2/CodeGen, Llama 3 (end of text), Llama 3.1 (end of a tool-call message),
    /// Phi-3, Gemma, SmolVLM, Llama 2/Mistral. The model emits one when it means to stop; text after it is a run-on.
    /// A configured token ends a sequence when it starts with one of these, so a rules/ token such as
    /// <c>&lt;|eot_id|&gt;&lt;|start_header_id|&gt;assistant</c> counts. Start tokens (<c>&lt;|im_start|&gt;</c>,
    /// <c>[INST]</c>, <c>&lt;|fim_prefix|&gt;</c>...) are not end markers: text after them is a leak, not a run-on.
    /// </summary>
    public static IReadOnlyList<string> EndOfSequenceMarkers { get; } =
    [
        "<|im_end|>", "<|eot_id|>", "<|endoftext|>", "<|end_of_text|>", "<|eom_id|>", "<|end|>", "<end_of_turn>",
        "<end_of_utterance>", "</s>",
    ];

    /// <summary>Whether the token at <paramref name="index"/> in <see cref="Tokens"/> starts with an end-of-sequence marker.</summary>
    internal bool EndsSequence(int index) => _endsSequence[index];

    /// <summary>
    /// Tokens leaked by common serving stacks (ChatML, Llama 3, GPT-2/CodeGen, FIM, SmolVLM, Llama 2/Mistral, Zephyr and
    /// Phi-3 role tokens).
    /// </summary>
    public static TemplateTokenSet Default { get; } = new(
    [
        "<|im_start|>", "<|im_end|>", "<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>", "<|endoftext|>",
        "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<end_of_utterance>", "</s>", "[INST]", "[/INST]",
        "<|begin_of_text|>", "<start_of_turn>", "<end_of_turn>", "<|user|>", "<|assistant|>", "<|system|>", "<|end|>",
        "<|end_of_text|>", "<|eom_id|>",
    ]);

    /// <summary>The matching token's index and length at <paramref name="offset"/>, or (-1, 0).</summary>
    internal (int Index, int Length) MatchAt(ReadOnlySpan<char> text, int offset)
    {
        var c = text[offset];
        string[]? candidates;
        if (c < 128)
            candidates = _byFirstChar[c];
        else if (_nonAscii.Count == 0 || !_nonAscii.TryGetValue(c, out candidates))
            return (-1, 0);
        if (candidates is null)
            return (-1, 0);
        var rest = text[offset..];
        foreach (var token in candidates)
        {
            if (rest.StartsWith(token, StringComparison.Ordinal))
                return (Array.IndexOf((string[])Tokens, token), token.Length);
        }
        return (-1, 0);
    }

    /// <summary>True when <paramref name="c"/> may start a token (the hot-path test).</summary>
    internal bool MayStart(char c) => c < 128 ? _byFirstChar[c] is not null : _nonAscii.Count > 0 && _nonAscii.ContainsKey(c);
}
