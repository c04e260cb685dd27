using Auditor.Contracts;
using Auditor.Detection.Features;

namespace Auditor.Detection;

/// <summary>Everything a detector may read about one sample: the sample itself and its one-pass features.</summary>
public sealed record DetectionContext(OutputSample Sample, OutputFeatures Features)
{
    public string Model => Sample.Model ?? "";
    public string Route => Sample.Route ?? "";
}
