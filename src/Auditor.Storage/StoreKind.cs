namespace Auditor.Storage;

/// <summary>Which database holds Auditor's state.</summary>
public enum StoreKind
{
    /// <summary>An embedded SQLite file: the default, for trying Auditor and small single-node use.</summary>
    Sqlite,
    /// <summary>PostgreSQL: production, several consumers.</summary>
    Postgres,
}
