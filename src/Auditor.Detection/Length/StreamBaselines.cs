namespace Auditor.Detection.Length;

/// <summary>Looks up a stream's length baseline. Implementations swap whole tables, so a reader sees one consistent version.</summary>
public interface IStreamBaselines
{
    /// <summary>The baseline of (model, route), or null when the stream has none yet.</summary>
    LengthBaseline? For(string model, string route);
}

/// <summary>An immutable table of per-stream baselines, built in one go from stored uniform-sample lengths.</summary>
public sealed class LengthBaselineTable : IStreamBaselines
{
    private readonly Dictionary<(string Model, string Route), LengthBaseline> _baselines;

    private LengthBaselineTable(Dictionary<(string, string), LengthBaseline> baselines) => _baselines = baselines;

    public static LengthBaselineTable Empty { get; } = new([]);

    public int StreamCount => _baselines.Count;

    /// <summary>
    /// Builds the table from (model, route, charLength) rows of uniform-stratum samples. The result depends only on the
    /// multiset of rows, not their order, so consumers reading the same window agree exactly.
    /// </summary>
    public static LengthBaselineTable Build(IEnumerable<(string Model, string Route, int CharLength)> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var table = rows
            .GroupBy(r => (r.Model, r.Route))
            .ToDictionary(g => g.Key, g => LengthBaseline.FromCharLengths(g.Select(r => r.CharLength)));
        return new LengthBaselineTable(table);
    }

    public LengthBaseline? For(string model, string route) => _baselines.GetValueOrDefault((model, route));

    public IEnumerable<KeyValuePair<(string Model, string Route), LengthBaseline>> Entries => _baselines;
}

/// <summary>Holds the current baseline table and replaces it atomically when the refresh job builds a new one.</summary>
public sealed class SwappableStreamBaselines : IStreamBaselines
{
    private volatile LengthBaselineTable _current = LengthBaselineTable.Empty;

    public LengthBaselineTable Current => _current;

    public DateTimeOffset? RefreshedAt { get; private set; }

    public void Replace(LengthBaselineTable table, DateTimeOffset refreshedAt)
    {
        ArgumentNullException.ThrowIfNull(table);
        _current = table;
        RefreshedAt = refreshedAt;
    }

    public LengthBaseline? For(string model, string route) => _current.For(model, route);
}
