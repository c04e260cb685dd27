using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Auditor.Review.Routing;

/// <summary>Which review stratum a selected sample belongs to.</summary>
public enum ReviewStratum
{
    /// <summary>Selected by the uniform draw, whatever the detectors said: the only stratum that measures what detectors miss.</summary>
    Uniform,
    /// <summary>Flagged by a detector and selected by the flagged oversampling draw.</summary>
    Flagged,
}

/// <summary>
/// Review fractions: u, the uniform share of all samples; f, the share of flagged samples (not already uniform) also
/// reviewed; d, the share of uniform items reviewed twice, blind, by different reviewers (reviewer agreement).
/// </summary>
public sealed record ReviewFractions(double Uniform, double Flagged, double DoubleReview = 0.1) : IReviewFractionsSource
{
    /// <summary>The same fractions for every stream.</summary>
    public ReviewFractions For(string model, string route) => this;

    public static ReviewFractions Default { get; } = new(0.02, 1.0, 0.1);

    /// <summary>The probability that a sample is selected: pi = u + (1 - u) * f * [flagged].</summary>
    public double InclusionProbability(bool flagged) => Uniform + (1 - Uniform) * (flagged ? Flagged : 0);

    /// <summary>Throws when a fraction is outside [0, 1], naming it.</summary>
    public ReviewFractions Validated()
    {
        if (!(Uniform is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(Uniform), Uniform, "The uniform review fraction must be between 0 and 1.");
        if (!(Flagged is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(Flagged), Flagged, "The flagged review fraction must be between 0 and 1.");
        if (!(DoubleReview is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(DoubleReview), DoubleReview, "The double-review fraction must be between 0 and 1.");
        return this;
    }
}

/// <summary>The review fractions in force for a stream.</summary>
public interface IReviewFractionsSource
{
    ReviewFractions For(string model, string route);
}

/// <summary>Whether a sample goes to human review, in which stratum, with what inclusion probability, and how many reviewers.</summary>
public sealed record RoutingDecision(ReviewStratum? Stratum, double InclusionProbability, int ReviewsRequired = 1)
{
    public bool Selected => Stratum is not null;
}

/// <summary>
/// Decides review selection deterministically from the sample id, so every consumer (and a redelivery)
/// decides alike. The uniform draw is SHA-256(sampleId) read as a number in [0, 1); the flagged draw uses
/// SHA-256("flagged:" + sampleId) and the double-review draw SHA-256("double:" + sampleId), independent of the first.
/// </summary>
public static class ReviewRouter
{
    public static RoutingDecision Route(string sampleId, bool flagged, ReviewFractions fractions)
    {
        var pi = fractions.InclusionProbability(flagged);
        if (UnitHash(sampleId) < fractions.Uniform)
            return new RoutingDecision(ReviewStratum.Uniform, pi, UnitHash("double:" + sampleId) < fractions.DoubleReview ? 2 : 1);
        if (flagged && UnitHash("flagged:" + sampleId) < fractions.Flagged)
            return new RoutingDecision(ReviewStratum.Flagged, pi);
        return new RoutingDecision(null, pi);
    }

    /// <summary>The first 8 bytes of SHA-256 of the UTF-8 text, big-endian, divided by 2^64: uniform on [0, 1).</summary>
    public static double UnitHash(string text)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var maxBytes = Encoding.UTF8.GetMaxByteCount(text.Length);
        var buffer = maxBytes <= 512 ? stackalloc byte[maxBytes] : new byte[maxBytes];
        var n = Encoding.UTF8.GetBytes(text, buffer);
        SHA256.HashData(buffer[..n], hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash) / 18446744073709551616.0;
    }
}
