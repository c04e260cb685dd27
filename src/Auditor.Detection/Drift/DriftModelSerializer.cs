namespace Auditor.Detection.Drift;

/// <summary>
/// The byte form a store keeps: a versioned little-endian binary layout of the model's arrays, so any consumer,
/// on either database, loads exactly the numbers that were trained.
/// Format 2 appends the indicator baseline (samples, then per rule its name and count; count -1 of rules: none).
/// Format 1 (stored before the indicator tests) still loads, without an indicator baseline: its windows skip those
/// tests until the stream's next training run writes format 2.
/// </summary>
public static class DriftModelSerializer
{
    /// <summary>The format written.</summary>
    public const int FormatVersion = 2;

    private const int FirstFormat = 1;
    private static readonly byte[] Magic = "ADRM"u8.ToArray();

    public static byte[] ToBytes(DriftModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            w.Write(Magic);
            w.Write(FormatVersion);
            w.Write(model.Model);
            w.Write(model.Route);
            w.Write(model.Dimension);
            w.Write(model.Rank);
            WriteFloats(w, model.Center);
            WriteFloats(w, model.Scale);
            WriteFloats(w, model.Components);
            w.Write(model.Threshold);
            w.Write(model.Quantile);
            w.Write(model.ExpectedAnomalousShare);
            w.Write(model.TrainingSamples);
            w.Write(model.ReferenceSamples);
            w.Write(model.Seed);
            for (var i = 0; i < model.Dimension; i++)
            {
                WriteDoubles(w, model.BinEdges[i]);
                WriteDoubles(w, model.BinShares[i]);
            }
            WriteDoubles(w, model.FeatureMeans);
            if (model.Indicators is { } indicators)
            {
                w.Write(indicators.Samples);
                w.Write(indicators.Names.Count);
                for (var i = 0; i < indicators.Names.Count; i++)
                {
                    w.Write(indicators.Names[i]);
                    w.Write(indicators.Counts[i]);
                }
            }
            else
            {
                w.Write(0);
                w.Write(-1);
            }
        }
        return stream.ToArray();
    }

    public static DriftModel FromBytes(byte[] bytes, long version = 0)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        using var r = new BinaryReader(new MemoryStream(bytes));
        if (!r.ReadBytes(4).AsSpan().SequenceEqual(Magic))
            throw new InvalidDataException("Not a drift model.");
        var format = r.ReadInt32();
        if (format < FirstFormat || format > FormatVersion)
            throw new InvalidDataException($"Drift model format {format} is not supported (expected {FirstFormat} to {FormatVersion}).");
        var model = r.ReadString();
        var route = r.ReadString();
        var dimension = r.ReadInt32();
        var rank = r.ReadInt32();
        var center = ReadFloats(r);
        var scale = ReadFloats(r);
        var components = ReadFloats(r);
        var threshold = r.ReadDouble();
        var quantile = r.ReadDouble();
        var expected = r.ReadDouble();
        var training = r.ReadInt32();
        var reference = r.ReadInt32();
        var seed = r.ReadInt32();
        var edges = new double[dimension][];
        var shares = new double[dimension][];
        for (var i = 0; i < dimension; i++)
        {
            edges[i] = ReadDoubles(r);
            shares[i] = ReadDoubles(r);
        }
        var means = ReadDoubles(r);
        if (center.Length != dimension || scale.Length != dimension || components.Length != rank * dimension || means.Length != dimension)
            throw new InvalidDataException("Drift model arrays do not match its dimension.");
        var indicators = format >= 2 ? ReadIndicators(r) : null;
        return new DriftModel(model, route, dimension, rank, center, scale, components, threshold, quantile, expected, training, reference, seed,
            edges, shares, means) { Version = version, Indicators = indicators };
    }

    private static DriftIndicatorBaseline? ReadIndicators(BinaryReader r)
    {
        var samples = r.ReadInt32();
        var count = r.ReadInt32();
        if (count < 0)
            return null;
        var names = new string[count];
        var counts = new int[count];
        for (var i = 0; i < count; i++)
        {
            names[i] = r.ReadString();
            counts[i] = r.ReadInt32();
            if (counts[i] < 0 || counts[i] > samples)
                throw new InvalidDataException($"Drift model indicator {names[i]} counts {counts[i]} of {samples} samples.");
        }
        return new DriftIndicatorBaseline(samples, names, counts);
    }

    private static void WriteFloats(BinaryWriter w, float[] values)
    {
        w.Write(values.Length);
        foreach (var v in values)
            w.Write(v);
    }

    private static void WriteDoubles(BinaryWriter w, double[] values)
    {
        w.Write(values.Length);
        foreach (var v in values)
            w.Write(v);
    }

    private static float[] ReadFloats(BinaryReader r)
    {
        var values = new float[r.ReadInt32()];
        for (var i = 0; i < values.Length; i++)
            values[i] = r.ReadSingle();
        return values;
    }

    private static double[] ReadDoubles(BinaryReader r)
    {
        var values = new double[r.ReadInt32()];
        for (var i = 0; i < values.Length; i++)
            values[i] = r.ReadDouble();
        return values;
    }
}
