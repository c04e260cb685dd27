using Auditor.Detection.Features;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace Auditor.Detection.Drift;

/// <summary>How a drift model is trained.</summary>
public sealed record DriftTrainingOptions
{
    /// <summary>Principal components kept (at most the feature count - 1).</summary>
    public int Rank { get; init; } = 5;

    /// <summary>The detector's threshold is this quantile of out-of-sample baseline scores.</summary>
    public double Quantile { get; init; } = 0.995;

    /// <summary>Seed for ML.NET's randomized PCA: the same rows and seed give the same model.</summary>
    public int Seed { get; init; } = 20261125;

    /// <summary>Bins per feature for PSI and the binned Kolmogorov-Smirnov test (baseline quantiles).</summary>
    public int Bins { get; init; } = 10;

    /// <summary>Fewer baseline samples than this and no model is trained (the detector abstains).</summary>
    public int MinSamples { get; init; } = 200;

    /// <summary>Smallest per-feature scale, so features constant in the baseline stay finite when they move.</summary>
    public float MinScale { get; init; } = 0.02f;
}

/// <summary>
/// Trains a stream's drift model with ML.NET's RandomizedPca on standardized feature vectors, then keeps only the
/// numbers scoring needs. The threshold comes from cross-fitted (out-of-sample) scores of every baseline sample; the
/// per-feature reference bins and means from the whole baseline.
/// </summary>
public static class DriftModelTrainer
{
    public static DriftModel Train(string model, string route, IReadOnlyList<float[]> vectors, DriftTrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        options ??= new DriftTrainingOptions();
        if (vectors.Count < options.MinSamples)
            throw new ArgumentException($"A drift model needs at least {options.MinSamples} baseline samples; got {vectors.Count}.", nameof(vectors));
        var d = vectors[0].Length;
        if (vectors.Any(v => v.Length != d))
            throw new ArgumentException("All feature vectors must have the same length.", nameof(vectors));
        var all = vectors.ToArray();
        var rank = Math.Clamp(options.Rank, 1, d - 1);

        // Cross-fitting: each fold is scored by a model fitted on the other folds, so every baseline sample has an
        // out-of-sample score and the stated quantile is an honest rate on fresh traffic (in-sample scores run low).
        // Five folds keep those models close to the final one, fitted on all rows.
        const int Folds = 5;
        var scores = Enumerable.Range(0, Folds)
            .SelectMany(k => Fit(model, route, all.Where((_, i) => i % Folds != k).ToArray(), rank, options).ScoresOf(all.Where((_, i) => i % Folds == k)))
            .Order().ToArray();
        var threshold = Math.Max(Quantile(scores, options.Quantile), 1e-6);
        var final = Fit(model, route, all, rank, options);
        // The deployed model is fitted on all rows, so it differs a little from the fold models; where many baseline
        // samples share a score (a binary feature such as finishedByLength) that difference can push a whole cluster
        // over the threshold. The expected share is the larger of the out-of-sample rate and the deployed model's own.
        var expected = Math.Max(scores.Count(s => s >= threshold), final.ScoresOf(all).Count(s => s >= threshold)) / (double)scores.Length;
        var edges = new double[d][];
        var shares = new double[d][];
        var means = new double[d];
        for (var f = 0; f < d; f++)
        {
            var column = all.Select(v => (double)v[f]).Order().ToArray();
            means[f] = column.Average();
            edges[f] = Enumerable.Range(1, options.Bins - 1).Select(j => Quantile(column, j / (double)options.Bins)).Distinct().ToArray();
            var counts = new double[edges[f].Length + 1];
            foreach (var x in column)
                counts[DriftBins.IndexOf(edges[f], x)]++;
            shares[f] = counts.Select(c => c / column.Length).ToArray();
        }
        return new DriftModel(model, route, d, rank, final.Center, final.Scale, final.Components, threshold, options.Quantile, expected, all.Length,
            scores.Length, options.Seed, edges, shares, means);
    }

    private static DriftModel Fit(string model, string route, float[][] rows, int rank, DriftTrainingOptions options)
    {
        var (center, scale) = Standardization(rows, options.MinScale);
        var (pcaMean, components) = FitPca(rows, center, scale, rank, options.Seed);
        // Fold ML.NET's centre of the standardized data into the centre: z - m = (x - (c + s m)) / s.
        for (var i = 0; i < center.Length; i++)
            center[i] += scale[i] * pcaMean[i];
        return new DriftModel(model, route, center.Length, components.Length / center.Length, center, scale, components, 1, options.Quantile, 0,
            rows.Length, 0, options.Seed, [], [], []);
    }

    /// <summary>
    /// Trains on <see cref="OutputFeatures"/> (the vector is <see cref="OutputFeatures.ToVector"/>) and counts the
    /// <see cref="DriftIndicators"/> rules over the baseline. <paramref name="leftOut"/> are baseline samples kept out of
    /// the fit (confirmed failures): they count for the indicators, because a window counts every output, failures
    /// included, and a baseline without them would make the stream's usual share of looping outputs look like a rise.
    /// </summary>
    public static DriftModel Train(string model, string route, IEnumerable<OutputFeatures> features, DriftTrainingOptions? options = null,
        IEnumerable<OutputFeatures>? leftOut = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        var fitted = features.ToList();
        var trained = Train(model, route, fitted.Select(f => f.ToVector()).ToList(), options);
        var counted = fitted.Concat(leftOut ?? []).ToList();
        return trained.WithIndicators(new DriftIndicatorBaseline(counted.Count, DriftIndicators.All.Select(i => i.Name).ToArray(), DriftIndicators.Count(counted)));
    }

    private static (float[] Center, float[] Scale) Standardization(float[][] rows, float minScale)
    {
        var d = rows[0].Length;
        var center = new float[d];
        var scale = new float[d];
        for (var f = 0; f < d; f++)
        {
            var mean = rows.Average(r => (double)r[f]);
            var variance = rows.Sum(r => (r[f] - mean) * (r[f] - mean)) / Math.Max(1, rows.Length - 1);
            center[f] = (float)mean;
            scale[f] = Math.Max(minScale, (float)Math.Sqrt(variance));
        }
        return (center, scale);
    }

    private sealed class Row
    {
        public float[] Features { get; set; } = [];
    }

    private static (float[] Mean, float[] Components) FitPca(float[][] rows, float[] center, float[] scale, int rank, int seed)
    {
        var d = center.Length;
        var ml = new MLContext(seed);
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        var standardized = rows.Select(r =>
        {
            var z = new float[d];
            for (var i = 0; i < d; i++)
                z[i] = Math.Clamp((r[i] - center[i]) / scale[i], -DriftModel.ClipZ, DriftModel.ClipZ);
            return new Row { Features = z };
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(standardized, schema);
        var trainer = ml.AnomalyDetection.Trainers.RandomizedPca(new RandomizedPcaTrainer.Options
        {
            FeatureColumnName = nameof(Row.Features),
            Rank = rank,
            Oversampling = 20,
            EnsureZeroMean = true,
            Seed = seed,
        });
        var parameters = trainer.Fit(data).Model;
        VBuffer<float> mean = default;
        parameters.GetMean(ref mean);
        VBuffer<float>[] vectors = [];
        parameters.GetEigenVectors(ref vectors, out var kept);
        var components = new float[kept * d];
        for (var k = 0; k < kept; k++)
            vectors[k].DenseValues().ToArray().CopyTo(components, k * d);
        var meanValues = mean.Length == 0 ? new float[d] : mean.DenseValues().ToArray();
        return (meanValues, components);
    }

    /// <summary>Linear-interpolated quantile of sorted values.</summary>
    internal static double Quantile(double[] sorted, double q)
    {
        if (sorted.Length == 0)
            return 0;
        var h = (sorted.Length - 1) * q;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}

/// <summary>Bin lookup shared by training and window sketches.</summary>
public static class DriftBins
{
    /// <summary>The bin of <paramref name="value"/>: the number of inner edges strictly below it.</summary>
    public static int IndexOf(double[] edges, double value)
    {
        var i = 0;
        while (i < edges.Length && value > edges[i])
            i++;
        return i;
    }
}
