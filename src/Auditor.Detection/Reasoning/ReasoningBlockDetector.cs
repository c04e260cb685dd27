using System.Globalization;

namespace Auditor.Detection.Reasoning;

/// <summary>
/// Flags a reasoning model's thinking block that left no answer: a block that opens (<c>&lt;think&gt;</c>,
/// <c>&lt;thinking&gt;</c>, <c>&lt;reasoning&gt;</c>, <c>&lt;|begin_of_thought|&gt;</c>, <c>◁think▷</c>) and never closes
/// (the budget ran out while thinking, or the model looped there: the degeneration detector names the loop), or a block
/// that closes with nothing visible after it (the answer never came). A closing tag alone is normal: some templates put
/// the opening tag in the prompt. Score 1 when either holds (threshold 1), 0 otherwise; the evidence is the block or the
/// closing tag. An output without '&lt;' or '◁' costs one vectorised search, shared with the truncation detector
/// (<see cref="DetectionContext.FirstFenceOrTagMark"/>); otherwise, from there, three searches for
/// single words ("think", "reasoning&gt;", "_of_thought|&gt;"): one search for the set of ten tags (SearchValues of
/// strings) measured 86 MB per CPU-second alone.
/// </summary>
public sealed class ReasoningBlockDetector : IDetector
{
    // Opening and closing tags, by the same index.
    private static readonly string[] Opens = ["<think>", "<thinking>", "<reasoning>", "<|begin_of_thought|>", "◁think▷"];
    private static readonly string[] Closes = ["</think>", "</thinking>", "</reasoning>", "<|end_of_thought|>", "◁/think▷"];
    // Words every tag holds: each is searched for on its own (a vectorised search for one string), then the tag around it is checked.
    private static readonly string[] Anchors = ["think", "reasoning>", "_of_thought|>"];

    public string Name => "reasoning";

    private readonly RepeatedResult _noBlock = new("reasoning"), _answered = new("reasoning");

    public double DefaultThreshold => 1;

    public DetectorResult Evaluate(DetectionContext context, DetectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        var text = (context.Sample.Output ?? "").AsSpan();
        var first = FirstTag(text, context.FirstFenceOrTagMark);
        if (first < 0)
            return _noBlock.Get(settings.Threshold, false, "No thinking block.");

        var open = TagAt(text, first, Opens);
        int closeAt, closeLength;
        if (open >= 0)
        {
            var after = first + Opens[open].Length;
            var rel = text[after..].IndexOf(Closes[open], StringComparison.Ordinal);
            if (rel < 0)
            {
                var budget = context.Features.FinishedByLength || context.Features.TokenBudgetUsed >= 1
                    ? " and generation stopped at the token limit: the thinking used up the budget"
                    : "";
                return Flag(settings, new EvidenceSpan(first, text.Length - first, $"thinking block opened by {Opens[open]}, never closed"),
                    string.Create(CultureInfo.InvariantCulture, $"The thinking block opened by {Opens[open]} never closes ({text.Length - first} characters){budget}: no answer was given."));
            }
            (closeAt, closeLength) = (after + rel, Closes[open].Length);
        }
        else
        {
            // A closing tag first: the opening tag was in the prompt.
            var close = TagAt(text, first, Closes);
            (closeAt, closeLength) = (first, Closes[close].Length);
        }

        if (text[(closeAt + closeLength)..].IsWhiteSpace())
        {
            return Flag(settings, new EvidenceSpan(closeAt, closeLength, "the thinking block closes here and nothing follows"),
                "The thinking block closes with nothing after it: the model reasoned but gave no answer.");
        }
        return _answered.Get(settings.Threshold, false, "The thinking block closes and an answer follows.");
    }

    private DetectorResult Flag(DetectorSettings settings, EvidenceSpan evidence, string explanation) =>
        new(Name, 1, settings.Threshold, 1 >= settings.Threshold, [evidence], explanation);

    // The offset of the first opening or closing tag, or -1. No tag starts before markFrom (the context's first '`', '<' or '◁';
    // -1 when there is none).
    private static int FirstTag(ReadOnlySpan<char> text, int markFrom)
    {
        // Every tag starts with '<' or '◁': prose without either is settled by one vectorised search (shared with truncation).
        if (markFrom < 0)
            return -1;
        var rel0 = text[markFrom..].IndexOfAny('<', '◁');
        if (rel0 < 0)
            return -1;
        var from0 = markFrom + rel0;
        text = text[from0..];
        var found = FirstTagFrom(text);
        return found < 0 ? -1 : from0 + found;
    }

    private static int FirstTagFrom(ReadOnlySpan<char> text)
    {
        var best = -1;
        foreach (var anchor in Anchors)
        {
            var from = 0;
            while (from < text.Length)
            {
                var rel = text[from..].IndexOf(anchor, StringComparison.Ordinal);
                if (rel < 0 || (best >= 0 && from + rel > best))
                    break;
                var at = from + rel;
                // A tag starts at most 7 characters before its anchor ("<|begin_of_thought|>").
                for (var start = Math.Max(0, at - 7); start <= at; start++)
                {
                    if (TagAt(text, start, Opens) >= 0 || TagAt(text, start, Closes) >= 0)
                    {
                        if (best < 0 || start < best)
                            best = start;
                        break;
                    }
                }
                if (best >= 0 && best <= at)
                    break;
                from = at + anchor.Length;
            }
        }
        return best;
    }

    private static int TagAt(ReadOnlySpan<char> text, int at, string[] tags)
    {
        for (var i = 0; i < tags.Length; i++)
        {
            if (text[at..].StartsWith(tags[i], StringComparison.Ordinal))
                return i;
        }
        return -1;
    }
}
