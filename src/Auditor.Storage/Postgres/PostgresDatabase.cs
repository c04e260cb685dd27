using System.Data.Common;
using Dapper;
using Npgsql;

namespace Auditor.Storage.Postgres;

/// <summary>PostgreSQL through a pooled Npgsql data source.</summary>
public sealed class PostgresDatabase(string connectionString) : AuditorDatabase
{
    // An arbitrary constant shared by every Auditor process: the advisory lock that serializes migrations.
    private const long MigrationLockKey = 0x4175_6469_746f_7231;

    // Two copies of one sample id can both be accepted only if both occurredAt values were inside the contract's window
    // (30 days back, 5 minutes ahead) at some time, so they are at most this far apart.
    private static readonly TimeSpan DuplicateWindow = TimeSpan.FromDays(31);

    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(connectionString);

    public override StoreKind Kind => StoreKind.Postgres;

    public override async Task<DbConnection> OpenAsync(CancellationToken ct) => await _dataSource.OpenConnectionAsync(ct);

    public override string SkipLocked => "FOR UPDATE SKIP LOCKED";

    public override string ForUpdate => "FOR UPDATE";

    public override string Json(string parameter) => $"CAST(@{parameter} AS jsonb)";

    // One round trip for the whole batch. The key is (sample_id, occurred_at) because sample_ids is partitioned by
    // week of occurred_at (ADR 0012): ON CONFLICT waits for a concurrent consumer's insert of the same copy to commit
    // or roll back, so exactly one of them counts it; NOT EXISTS refuses an id already counted under another
    // occurredAt (a publisher re-sending with a new timestamp), looking only at the weeks such a copy could be in.
    // OFFSET 0 keeps that look-up a probe of each week's key index per id: without it PostgreSQL may turn NOT EXISTS
    // into a hash anti join that reads and hashes the whole current week on every batch, whenever the week's
    // partition has no statistics yet (a new week, autovacuum behind), so the database's cost per sample grew with
    // the week's size (docs/scale.md, "The dedupe look-up's plan").
    internal const string InsertNewSampleIdsSql = """
        INSERT INTO sample_ids (sample_id, occurred_at, seen_at)
        SELECT id, at, @seenAt FROM unnest(@ids, @ats) AS t(id, at)
        WHERE NOT EXISTS (SELECT 1 FROM sample_ids s WHERE s.sample_id = t.id AND s.occurred_at >= @oldest AND s.occurred_at < @newest OFFSET 0)
        ON CONFLICT (sample_id, occurred_at) DO NOTHING
        RETURNING sample_id
        """;

    internal override async Task<HashSet<string>> InsertNewSampleIdsAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<(string SampleId, DateTimeOffset OccurredAt)> ids,
        DateTimeOffset seenAt, CancellationToken ct)
    {
        var inserted = await connection.QueryAsync<string>(new CommandDefinition(InsertNewSampleIdsSql, new
        {
            ids = ids.Select(i => i.SampleId).ToArray(),
            ats = ids.Select(i => i.OccurredAt.UtcDateTime).ToArray(),
            seenAt,
            oldest = ids.Min(i => i.OccurredAt) - DuplicateWindow,
            newest = ids.Max(i => i.OccurredAt) + DuplicateWindow,
        }, transaction, cancellationToken: ct));
        return inserted.ToHashSet(StringComparer.Ordinal);
    }

    internal override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@key)", new { key = MigrationLockKey }, transaction, cancellationToken: ct));

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
