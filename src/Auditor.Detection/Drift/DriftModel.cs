using System.Runtime.CompilerServices;
using Auditor.Detection.Features;

namespace Auditor.Detection.Drift;

/// <summary>
/// A trained drift model for one stream as plain arrays: the PCA projection extracted from ML.NET (centre, scale and
/// principal components), the score threshold at a stated quantile of held-out baseline scores, and the baseline's
/// per-feature bins and means for window tests. Scoring needs no ML.NET and allocates nothing.
/// </summary>
public sealed class DriftModel
{
    /// <summary>Largest standardized value a feature contributes, so one extreme feature cannot swamp the rest.</summary>
    public const float ClipZ = 25f;

    internal DriftModel(string model, string route, int dimension, int rank, float[] center, float[] scale, float[] components,
        double threshold, double quantile, double expectedAnomalousShare, int trainingSamples, int referenceSamples, int seed,
        double[][] binEdges, double[][] binShares, double[] featureMeans)
    {
        Model = model;
        Route = route;
        Dimension = dimension;
        Rank = rank;
        Center = center;
        Scale = scale;
        Components = components;
        Threshold = threshold;
        Quantile = quantile;
        ExpectedAnomalousShare = expectedAnomalousShare;
        TrainingSamples = trainingSamples;
        ReferenceSamples = referenceSamples;
        Seed = seed;
        BinEdges = binEdges;
        BinShares = binShares;
        FeatureMeans = featureMeans;
    }

    public string Model { get; }
    public string Route { get; }

    /// <summary>Stored version id (0 until the store assigns one).</summary>
    public long Version { get; init; }

    /// <summary>Length of the feature vector (<see cref="OutputFeatures.VectorNames"/> when trained).</summary>
    public int Dimension { get; }

    /// <summary>Number of principal components kept.</summary>
    public int Rank { get; }

    /// <summary>Per-feature centre and scale: z = (x - centre) / scale.</summary>
    public float[] Center { get; }
    public float[] Scale { get; }

    /// <summary>Principal components, row-major: component k is Components[k*Dimension .. (k+1)*Dimension).</summary>
    public float[] Components { get; }

    /// <summary>Anomaly score at <see cref="Quantile"/> of the held-out baseline scores; the detector's score is score / Threshold.</summary>
    public double Threshold { get; }
    public double Quantile { get; }

    /// <summary>Share of held-out baseline samples at or above <see cref="Threshold"/> (about 1 - Quantile).</summary>
    public double ExpectedAnomalousShare { get; }

    /// <summary>Samples the PCA was fitted on, and the out-of-sample (cross-fitted) scores the threshold and expected share come from.</summary>
    public int TrainingSamples { get; }
    public int ReferenceSamples { get; }
    public int Seed { get; }

    /// <summary>Per feature: inner bin edges (baseline quantiles, duplicates removed), the baseline share of each bin, and the baseline mean.</summary>
    public double[][] BinEdges { get; }
    public double[][] BinShares { get; }
    public double[] FeatureMeans { get; }

    /// <summary>
    /// How often each <see cref="DriftIndicators"/> rule held in the baseline, for the indicator window tests; null for a
    /// model stored before they existed (format 1) or trained from bare vectors, whose windows skip those tests.
    /// </summary>
    public DriftIndicatorBaseline? Indicators { get; init; }

    /// <summary>The same model with another indicator baseline (training takes it from the stream's judged traffic when that holds more samples).</summary>
    public DriftModel WithIndicators(DriftIndicatorBaseline? indicators) =>
        new(Model, Route, Dimension, Rank, Center, Scale, Components, Threshold, Quantile, ExpectedAnomalousShare, TrainingSamples, ReferenceSamples, Seed,
            BinEdges, BinShares, FeatureMeans) { Version = Version, Indicators = indicators };

    /// <summary>The anomaly score: the norm of the standardized vector's residual off the principal subspace.</summary>
    public double Score(ReadOnlySpan<float> vector)
    {
        if (vector.Length != Dimension)
            throw new ArgumentException($"Expected {Dimension} features, got {vector.Length}.", nameof(vector));
        Span<float> z = Dimension <= 64 ? stackalloc float[Dimension] : new float[Dimension];
        var total = Standardize(vector, z);
        var projected = 0.0;
        var components = Components.AsSpan();
        for (var k = 0; k < Rank; k++)
        {
            var c = components.Slice(k * Dimension, Dimension);
            var dot = 0f;
            for (var i = 0; i < z.Length; i++)
                dot += c[i] * z[i];
            projected += (double)dot * dot;
        }
        return Math.Sqrt(Math.Max(0, total - projected));
    }

    internal IEnumerable<double> ScoresOf(IEnumerable<float[]> vectors) => vectors.Select(v => Score(v));

    /// <summary>Per-feature residuals off the principal subspace (for explanations; allocates).</summary>
    public double[] Residuals(ReadOnlySpan<float> vector)
    {
        var z = new float[Dimension];
        Standardize(vector, z);
        var residual = new double[Dimension];
        for (var i = 0; i < Dimension; i++)
            residual[i] = z[i];
        for (var k = 0; k < Rank; k++)
        {
            var c = Components.AsSpan(k * Dimension, Dimension);
            var dot = 0.0;
            for (var i = 0; i < Dimension; i++)
                dot += c[i] * z[i];
            for (var i = 0; i < Dimension; i++)
                residual[i] -= dot * c[i];
        }
        return residual;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private double Standardize(ReadOnlySpan<float> vector, Span<float> z)
    {
        var total = 0.0;
        for (var i = 0; i < z.Length; i++)
        {
            var v = (vector[i] - Center[i]) / Scale[i];
            v = float.IsNaN(v) ? 0 : Math.Clamp(v, -ClipZ, ClipZ);
            z[i] = v;
            total += (double)v * v;
        }
        return total;
    }
}

/// <summary>
/// Baseline counts of the indicator rules: <paramref name="Counts"/>[i] of <paramref name="Samples"/> baseline outputs met
/// the rule named <paramref name="Names"/>[i]. Kept by name, so a model outlives a change of the rule set (a rule it has
/// no count for is not tested).
/// </summary>
public sealed record DriftIndicatorBaseline(int Samples, IReadOnlyList<string> Names, IReadOnlyList<int> Counts)
{
    /// <summary>The baseline count of <paramref name="indicator"/>, or null when this baseline did not count it.</summary>
    public int? CountOf(DriftIndicator indicator)
    {
        ArgumentNullException.ThrowIfNull(indicator);
        for (var i = 0; i < Names.Count; i++)
        {
            if (Names[i] == indicator.Name)
                return Counts[i];
        }
        return null;
    }
}
