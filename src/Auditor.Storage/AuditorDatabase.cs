using System.Data.Common;
using Auditor.Storage.Migrations;
using Dapper;

namespace Auditor.Storage;

/// <summary>
/// One database, PostgreSQL or SQLite, behind the few places where their SQL differs.
/// Feature stores (samples, streams, keys, ...) share it and keep their SQL next to their code.
/// </summary>
public abstract class AuditorDatabase : IAsyncDisposable
{
    static AuditorDatabase() => UtcTimeHandler.Register();

    public abstract StoreKind Kind { get; }

    /// <summary>Opens a pooled connection.</summary>
    public abstract Task<DbConnection> OpenAsync(CancellationToken ct);

    /// <summary>A parameter reference for a JSON column (PostgreSQL needs the jsonb cast; SQLite stores text).</summary>
    public abstract string Json(string parameter);

    /// <summary>Row-lock clause for a claim subquery: PostgreSQL skips rows another transaction holds; SQLite has one writer anyway.</summary>
    public abstract string SkipLocked { get; }

    /// <summary>Row-lock clause for a read that precedes an update in the same transaction.</summary>
    public abstract string ForUpdate { get; }

    /// <summary>Applies pending numbered migrations under a lock, so concurrent starters apply each once.</summary>
    public Task<IReadOnlyList<string>> MigrateAsync(CancellationToken ct) => new SchemaMigrator(this).ApplyAsync(ct);

    /// <summary>Inserts the given ids into the dedupe table and returns those that were not there yet.</summary>
    internal abstract Task<HashSet<string>> InsertNewSampleIdsAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<(string SampleId, DateTimeOffset OccurredAt)> ids,
        DateTimeOffset seenAt, CancellationToken ct);

    /// <summary>Takes the migration lock inside <paramref name="transaction"/>.</summary>
    internal abstract Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken ct);

    /// <summary>Work that must happen on the migration connection before its transaction begins.</summary>
    internal virtual Task PrepareForMigrationAsync(DbConnection connection, CancellationToken ct) => Task.CompletedTask;

    /// <summary>A cheap round trip that fails when the database is unreachable.</summary>
    public async Task PingAsync(CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: ct));
    }

    public abstract ValueTask DisposeAsync();

    /// <summary>Creates the database named by <paramref name="kind"/> from its connection string.</summary>
    public static AuditorDatabase Create(StoreKind kind, string connectionString) => kind switch
    {
        StoreKind.Postgres => new Postgres.PostgresDatabase(connectionString),
        StoreKind.Sqlite => new Sqlite.SqliteDatabase(connectionString),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown store kind."),
    };
}
