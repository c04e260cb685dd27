namespace Auditor.Storage.Retention;

/// <summary>What one maintenance run did: week partitions created and dropped (PostgreSQL), rows deleted per table (SQLite).</summary>
public sealed record RetentionOutcome(IReadOnlyList<string> Created, IReadOnlyList<string> Dropped, IReadOnlyDictionary<string, long> Deleted)
{
    public bool DidAnything => Created.Count > 0 || Dropped.Count > 0 || Deleted.Values.Any(n => n > 0);
}
