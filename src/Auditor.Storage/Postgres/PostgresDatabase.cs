using System.Data.Common;
using Dapper;
using Npgsql;

namespace Auditor.Storage.Postgres;

/// <summary>PostgreSQL through a pooled Npgsql data source.</summary>
public sealed class PostgresDatabase(string connectionString) : AuditorDatabase
{
    // An arbitrary constant shared by every Auditor process: the advisory lock that serializes migrations.
    private const long MigrationLockKey = 0x4175_6469_746f_7231;

    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(connectionString);

    public override StoreKind Kind => StoreKind.Postgres;

    public override async Task<DbConnection> OpenAsync(CancellationToken ct) => await _dataSource.OpenConnectionAsync(ct);

    public override string SkipLocked => "FOR UPDATE SKIP LOCKED";

    public override string ForUpdate => "FOR UPDATE";

    public override string Json(string parameter) => $"CAST(@{parameter} AS jsonb)";

    internal override async Task<HashSet<string>> InsertNewSampleIdsAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<(string SampleId, DateTimeOffset OccurredAt)> ids,
        DateTimeOffset seenAt, CancellationToken ct)
    {
        // One round trip for the whole batch. ON CONFLICT waits for a concurrent consumer's insert of the same id
        // to commit or roll back, so exactly one of them counts it.
        const string sql = """
            INSERT INTO sample_ids (sample_id, occurred_at, seen_at)
            SELECT id, at, @seenAt FROM unnest(@ids, @ats) AS t(id, at)
            ON CONFLICT (sample_id) DO NOTHING
            RETURNING sample_id
            """;
        var inserted = await connection.QueryAsync<string>(new CommandDefinition(sql, new
        {
            ids = ids.Select(i => i.SampleId).ToArray(),
            ats = ids.Select(i => i.OccurredAt.UtcDateTime).ToArray(),
            seenAt,
        }, transaction, cancellationToken: ct));
        return inserted.ToHashSet(StringComparer.Ordinal);
    }

    internal override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@key)", new { key = MigrationLockKey }, transaction, cancellationToken: ct));

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
