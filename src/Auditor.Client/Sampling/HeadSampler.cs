using Auditor.Contracts;

namespace Auditor.Client;

/// <summary>How a head-sampling decision came about.</summary>
public enum SamplingDecisionKind
{
    /// <summary>The random draw dropped the output: it is not sent.</summary>
    SampledOut,
    /// <summary>The random draw kept the output: it is sent with the configured rate.</summary>
    SampledIn,
    /// <summary>An always-sample rule matched: it is sent with rate 1 (times any upstream rate).</summary>
    Always,
}

/// <summary>A head-sampling decision: whether to send, and the sample to send with its <c>samplingRate</c> set.</summary>
/// <param name="Kind">How the decision came about.</param>
/// <param name="Sample">The sample to send, with <c>samplingRate</c> set to the inclusion probability; null when sampled out.</param>
public readonly record struct SamplingDecision(SamplingDecisionKind Kind, OutputSample? Sample)
{
    /// <summary>True when the sample is to be sent.</summary>
    public bool Keep => Kind != SamplingDecisionKind.SampledOut;
}

/// <summary>Applies <see cref="HeadSamplingOptions"/> to outputs. Thread-safe if the configured random source is.</summary>
public sealed class HeadSampler
{
    private readonly HeadSamplingOptions _options;

    /// <summary>Creates a sampler; the rate must be in (0, 1].</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not in (0, 1].</exception>
    public HeadSampler(HeadSamplingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.Rate > 0 && options.Rate <= 1))
            throw new ArgumentOutOfRangeException(nameof(options), options.Rate, "HeadSamplingOptions.Rate must be in (0, 1].");
        _options = options;
    }

    /// <summary>The configured rate for outputs no rule matches.</summary>
    public double Rate => _options.Rate;

    /// <summary>True when an always-sample rule matches the sample.</summary>
    public bool MatchesAlwaysRule(OutputSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (sample.FinishReason is { } reason && _options.AlwaysSampleFinishReasons.Contains(reason)) return true;
        if (_options.AlwaysSampleEmptyOutput && string.IsNullOrWhiteSpace(sample.Output)) return true;
        foreach (var rule in _options.AlwaysSample)
            if (rule(sample)) return true;
        return false;
    }

    /// <summary>
    /// Decides whether to send the sample and sets its <c>samplingRate</c> to the probability it had of being sent
    /// (times any rate it already carried).
    /// </summary>
    public SamplingDecision Decide(OutputSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var upstream = sample.SamplingRate ?? 1.0;
        if (MatchesAlwaysRule(sample))
            return new SamplingDecision(SamplingDecisionKind.Always, WithRate(sample, upstream));
        if (_options.Rate >= 1.0)
            return new SamplingDecision(SamplingDecisionKind.SampledIn, WithRate(sample, upstream));
        return _options.NextDouble() < _options.Rate
            ? new SamplingDecision(SamplingDecisionKind.SampledIn, WithRate(sample, upstream * _options.Rate))
            : new SamplingDecision(SamplingDecisionKind.SampledOut, null);
    }

    // A rate of exactly 1 is written out too, so a reader of the message never has to know the default.
    private static OutputSample WithRate(OutputSample sample, double rate) =>
        sample.SamplingRate == rate ? sample : sample with { SamplingRate = rate };
}
