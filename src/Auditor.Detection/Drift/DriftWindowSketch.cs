using System.Collections.Concurrent;
using Auditor.Detection.Features;

namespace Auditor.Detection.Drift;

/// <summary>
/// What the window tests need from one stream's samples in one window, scored by one model version: the count, the
/// anomalous count, per-feature sums, and per-feature counts in the model's baseline bins. Sketches add up, so the
/// counts of N consumers sum to the stream's window. <see cref="AnomalousSums"/> are the feature sums over the
/// anomalous samples only: what the outliers have in common, named in an alert before any one feature's test is significant.
/// <see cref="IndicatorCounts"/> counts the samples meeting each <see cref="DriftIndicators"/> rule (in
/// <see cref="DriftIndicators.All"/>'s order); it is null in rows written before the rules existed, and a sum with such a
/// row is null too, so the indicator tests never see counts of fewer samples than <see cref="Samples"/>.
/// </summary>
public sealed record DriftWindowCounts(long ModelVersion, int Samples, int Anomalous, double[] Sums, double[] AnomalousSums, int[][] BinCounts,
    int[]? IndicatorCounts = null)
{
    public static DriftWindowCounts Empty(DriftModel model) =>
        new(model.Version, 0, 0, new double[model.Dimension], new double[model.Dimension], model.BinShares.Select(s => new int[s.Length]).ToArray(),
            new int[DriftIndicators.All.Count]);

    /// <summary>The sum of two sketches of the same model version.</summary>
    public DriftWindowCounts Plus(DriftWindowCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.ModelVersion != ModelVersion || other.Sums.Length != Sums.Length)
            throw new ArgumentException("Only sketches of the same model version add up.", nameof(other));
        // Counts of different rule sets (a row from a process of another release) do not add up: the sum has none.
        var indicators = IndicatorCounts is { } mine && other.IndicatorCounts is { } theirs && mine.Length == theirs.Length
            ? mine.Zip(theirs, (a, b) => a + b).ToArray()
            : null;
        return new(ModelVersion, Samples + other.Samples, Anomalous + other.Anomalous,
            Sums.Zip(other.Sums, (a, b) => a + b).ToArray(), AnomalousSums.Zip(other.AnomalousSums, (a, b) => a + b).ToArray(),
            BinCounts.Zip(other.BinCounts, (a, b) => a.Zip(b, (x, y) => x + y).ToArray()).ToArray(), indicators);
    }
}

/// <summary>One stream, one 10-minute slot, one model version (slots add up to the recent, hourly and daily windows).</summary>
public readonly record struct DriftSketchKey(string Model, string Route, DateTimeOffset Slot, long ModelVersion);

/// <summary>
/// This process's sketches per stream and 10-minute slot, fed with the samples a batch counted, after its commit.
/// Thread-safe; bounded in streams because hostile input may invent them.
/// </summary>
public sealed class DriftWindowSketches
{
    /// <summary>Sketch granularity: windows are whole slots.</summary>
    public static readonly TimeSpan SlotLength = TimeSpan.FromMinutes(10);

    private const int MaxKeys = 50_000;
    private readonly ConcurrentDictionary<DriftSketchKey, Accumulator> _sketches = new();

    /// <summary>
    /// Adds a counted sample: scored by <paramref name="model"/> (anomalous when its residual reaches the model's
    /// threshold, as <see cref="DriftAnomalyDetector"/> scores) and checked against the indicator rules. The one path
    /// from a sample to the sketches, for the server and the replay alike.
    /// </summary>
    public void Observe(DriftModel model, OutputFeatures features, DateTimeOffset occurredAt)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(features);
        var vector = features.ToVector();
        if (vector.Length != model.Dimension)
            return;
        Add(model, occurredAt, vector, model.Score(vector) >= model.Threshold, DriftIndicators.Of(features));
    }

    /// <param name="model">The stream's model (its version keys the sketch).</param>
    /// <param name="occurredAt">When the sample occurred (picks the slot).</param>
    /// <param name="vector">The sample's feature vector.</param>
    /// <param name="anomalous">Its score reached the model's threshold.</param>
    /// <param name="indicators">The <see cref="DriftIndicators"/> rules it meets (<see cref="DriftIndicators.Of"/>).</param>
    public void Add(DriftModel model, DateTimeOffset occurredAt, ReadOnlySpan<float> vector, bool anomalous, int indicators)
    {
        ArgumentNullException.ThrowIfNull(model);
        var key = new DriftSketchKey(model.Model, model.Route, SlotOf(occurredAt), model.Version);
        if (!_sketches.TryGetValue(key, out var acc))
        {
            if (_sketches.Count >= MaxKeys)
                return;
            acc = _sketches.GetOrAdd(key, _ => new Accumulator(model));
        }
        acc.Add(vector, anomalous, indicators);
    }

    /// <summary>The start of the slot that contains <paramref name="at"/>.</summary>
    public static DateTimeOffset SlotOf(DateTimeOffset at)
    {
        var ticks = at.UtcTicks - at.UtcTicks % SlotLength.Ticks;
        return new DateTimeOffset(ticks, TimeSpan.Zero);
    }

    /// <summary>A copy of every sketch this process holds (cumulative for each slot).</summary>
    public IReadOnlyList<(DriftSketchKey Key, DriftWindowCounts Counts)> Snapshot() =>
        _sketches.Select(kv => (kv.Key, kv.Value.ToCounts())).ToList();

    /// <summary>Forgets slots before <paramref name="before"/> (already flushed and past every window).</summary>
    public void Prune(DateTimeOffset before)
    {
        foreach (var key in _sketches.Keys.Where(k => k.Slot < before))
            _sketches.TryRemove(key, out _);
    }

    private sealed class Accumulator(DriftModel model)
    {
        private readonly Lock _lock = new();
        private int _samples;
        private int _anomalous;
        private readonly double[] _sums = new double[model.Dimension];
        private readonly double[] _anomalousSums = new double[model.Dimension];
        private readonly int[][] _bins = model.BinShares.Select(s => new int[s.Length]).ToArray();
        private readonly int[] _indicators = new int[DriftIndicators.All.Count];

        public void Add(ReadOnlySpan<float> vector, bool anomalous, int indicators)
        {
            lock (_lock)
            {
                _samples++;
                if (anomalous)
                    _anomalous++;
                DriftIndicators.Accumulate(_indicators, indicators);
                for (var f = 0; f < _sums.Length; f++)
                {
                    _sums[f] += vector[f];
                    if (anomalous)
                        _anomalousSums[f] += vector[f];
                    _bins[f][DriftBins.IndexOf(model.BinEdges[f], vector[f])]++;
                }
            }
        }

        public DriftWindowCounts ToCounts()
        {
            lock (_lock)
                return new DriftWindowCounts(model.Version, _samples, _anomalous, (double[])_sums.Clone(), (double[])_anomalousSums.Clone(),
                    _bins.Select(b => (int[])b.Clone()).ToArray(), (int[])_indicators.Clone());
        }
    }
}
