using Auditor.Contracts;

namespace Auditor.Client;

/// <summary>
/// Head sampling: which outputs a publisher sends at all. Every output first meets the always-sample rules; an output
/// that matches one is sent with <c>samplingRate = 1</c>. Every other output is kept with probability
/// <see cref="Rate"/> by an independent random draw and, when kept, sent with <c>samplingRate = Rate</c>.
/// </summary>
/// <remarks>
/// <para>
/// Why this keeps the server's volume estimate unbiased: the server counts each received sample as 1/samplingRate
/// outputs (a Horvitz-Thompson estimate). An output's inclusion probability is 1 when a rule matches it and
/// <see cref="Rate"/> otherwise, and the rate written on it is exactly that probability, so each output contributes
/// 1/p with probability p: one output in expectation. This holds only if (1) the rules look at nothing but the output
/// itself, never at the random draw, (2) an output that matches a rule always carries 1, even in the draws where
/// the rate alone would have kept it, and (3) the caller does not filter outputs before the publisher sees them.
/// </para>
/// <para>
/// The draw is random, not a hash of the sample id, on purpose: the server picks its uniform review stratum by a hash
/// of the sample id, and a head sample chosen by a correlated hash would distort that stratum.
/// </para>
/// <para>
/// A sample that already carries a <c>samplingRate</c> below 1 (sampled upstream, for example by a gateway) keeps the
/// product of both rates, since both draws are independent.
/// </para>
/// </remarks>
public sealed class HeadSamplingOptions
{
    /// <summary>Probability of keeping an output no rule matches, 0 &lt; rate &lt;= 1. Default 1: keep everything.</summary>
    public double Rate { get; set; } = 1.0;

    /// <summary>
    /// Finish reasons always sent (samplingRate 1). Default: <c>length</c> and <c>error</c>, the rare outputs that are
    /// most often failures and would otherwise be seen too seldom to judge. Compared case-insensitively.
    /// </summary>
    public ISet<string> AlwaysSampleFinishReasons { get; } =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { FinishReasons.Length, FinishReasons.Error };

    /// <summary>Always send outputs that are empty or only whitespace (samplingRate 1). Default true.</summary>
    public bool AlwaysSampleEmptyOutput { get; set; } = true;

    /// <summary>
    /// Further always-sample rules. Each must be a pure function of the sample (no randomness, no outside state that
    /// correlates with the draw), or the volume estimate is biased.
    /// </summary>
    public IList<Func<OutputSample, bool>> AlwaysSample { get; } = [];

    /// <summary>Source of uniform draws in [0, 1). Default <see cref="Random.Shared"/>; set a seeded one in tests.</summary>
    public Func<double> NextDouble { get; set; } = Random.Shared.NextDouble;
}
