using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Auditor.Storage.Sqlite;

/// <summary>
/// An embedded SQLite file. Writers serialize on SQLite's write lock (transactions begin IMMEDIATE and
/// Microsoft.Data.Sqlite retries while the file is busy, up to the command timeout); WAL lets readers run alongside.
/// </summary>
public sealed class SqliteDatabase : AuditorDatabase
{
    private readonly string _connectionString;

    public SqliteDatabase(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString) { Pooling = true };
        if (builder.DefaultTimeout < 30)
            builder.DefaultTimeout = 30;
        _connectionString = builder.ToString();
        // The default "data/auditor.db" lives in a folder that may not exist on a first start.
        var directory = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
        if (builder.Mode != SqliteOpenMode.Memory && !string.IsNullOrEmpty(directory))
            Directory.CreateDirectory(directory);
    }

    public override StoreKind Kind => StoreKind.Sqlite;

    public override async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        return connection;
    }

    public override string SkipLocked => "";

    public override string ForUpdate => "";

    public override string Json(string parameter) => "@" + parameter;

    internal override async Task<HashSet<string>> InsertNewSampleIdsAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<(string SampleId, DateTimeOffset OccurredAt)> ids,
        DateTimeOffset seenAt, CancellationToken ct)
    {
        // The transaction already holds SQLite's single write lock, so row-at-a-time inserts cannot race.
        var fresh = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (sampleId, occurredAt) in ids)
        {
            var n = await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO sample_ids (sample_id, occurred_at, seen_at) VALUES (@sampleId, @occurredAt, @seenAt) ON CONFLICT (sample_id) DO NOTHING",
                new { sampleId, occurredAt, seenAt }, transaction, cancellationToken: ct));
            if (n == 1)
                fresh.Add(sampleId);
        }
        return fresh;
    }

    // BEGIN IMMEDIATE (Microsoft.Data.Sqlite's default) already holds the single write lock.
    internal override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken ct) => Task.CompletedTask;

    // journal_mode cannot change inside a transaction; WAL is a property of the file and survives restarts.
    internal override Task PrepareForMigrationAsync(DbConnection connection, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition("PRAGMA journal_mode=WAL", cancellationToken: ct));

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }
}
