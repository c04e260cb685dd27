namespace Auditor.Detection.Drift;

/// <summary>Looks up a stream's current drift model. Implementations swap whole tables, so a reader sees one version.</summary>
public interface IDriftModels
{
    /// <summary>The model of (model, route), or null when the stream has none yet.</summary>
    DriftModel? For(string model, string route);
}

/// <summary>Holds the active drift model of every stream; the refresh job replaces the table as a whole.</summary>
public sealed class SwappableDriftModels : IDriftModels
{
    private volatile IReadOnlyDictionary<(string Model, string Route), DriftModel> _models = new Dictionary<(string, string), DriftModel>();

    public IReadOnlyDictionary<(string Model, string Route), DriftModel> Current => _models;

    public DateTimeOffset? RefreshedAt { get; private set; }

    public void Replace(IEnumerable<DriftModel> models, DateTimeOffset refreshedAt)
    {
        ArgumentNullException.ThrowIfNull(models);
        _models = models.ToDictionary(m => (m.Model, m.Route));
        RefreshedAt = refreshedAt;
    }

    public DriftModel? For(string model, string route) => _models.GetValueOrDefault((model, route));
}
