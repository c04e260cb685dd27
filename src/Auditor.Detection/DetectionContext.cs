using System.Buffers;
using Auditor.Contracts;
using Auditor.Detection.Features;
using Auditor.Detection.Length;
using Auditor.Detection.Rules;

namespace Auditor.Detection;

/// <summary>Everything a detector may read about one sample: the sample itself and its one-pass features.</summary>
public sealed record DetectionContext(OutputSample Sample, OutputFeatures Features)
{
    public string Model => Sample.Model ?? "";
    public string Route => Sample.Route ?? "";

    /// <summary>Per-stream length baselines (empty unless the host supplies them).</summary>
    public IStreamBaselines Baselines { get; init; } = LengthBaselineTable.Empty;

    /// <summary>The rules/ snapshot this sample is judged with (regex rules read it); null without rules.</summary>
    public RuleSet? Rules { get; init; }

    /// <summary>
    /// The offset of the first '`', '&lt;' or '◁' in the output (-1 when it holds none), found by one vectorised search on
    /// first use and then shared: a code fence starts with '`' and every thinking tag with '&lt;' or '◁', so the truncation
    /// detector's fence count and the reasoning detector's tag search start there, and an output with none of the three
    /// (most prose) is settled by this one search instead of one per detector. A pure function of the output, so a context
    /// that has read it equals one that has not in all that matters (records compare the cache too; nothing compares contexts).
    /// </summary>
    public int FirstFenceOrTagMark
    {
        get
        {
            var mark = _firstFenceOrTagMark;
            if (mark == NotSearched)
                _firstFenceOrTagMark = mark = (Sample.Output ?? "").AsSpan().IndexOfAny(FenceOrTagMarks);
            return mark;
        }
    }

    private const int NotSearched = -2;
    private static readonly SearchValues<char> FenceOrTagMarks = SearchValues.Create("`<\u25C1");

    // Threads that race only search twice: an int is written whole.
    private int _firstFenceOrTagMark = NotSearched;
}
