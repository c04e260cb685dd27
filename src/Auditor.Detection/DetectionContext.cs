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
}
