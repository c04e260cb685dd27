using Auditor.Storage;

namespace Auditor.Testing;

/// <summary>A fresh, empty database of either kind for one test, removed afterwards.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly Func<Task> _drop;

    private TestDatabase(AuditorDatabase database, string connectionString, Func<Task> drop)
    {
        Database = database;
        ConnectionString = connectionString;
        _drop = drop;
    }

    public AuditorDatabase Database { get; }
    public string ConnectionString { get; }

    public static async Task<TestDatabase> CreateAsync(StoreKind kind)
    {
        if (kind == StoreKind.Postgres)
        {
            var postgres = await PostgresTestDatabase.CreateAsync();
            return new TestDatabase(AuditorDatabase.Create(kind, postgres.ConnectionString), postgres.ConnectionString, () => postgres.DisposeAsync().AsTask());
        }
        var file = Path.Combine(Path.GetTempPath(), $"auditor-test-{Guid.NewGuid():N}.db");
        var connectionString = $"Data Source={file}";
        return new TestDatabase(AuditorDatabase.Create(kind, connectionString), connectionString, () =>
        {
            DeleteSqliteFiles(file);
            return Task.CompletedTask;
        });
    }

    /// <summary>Removes a SQLite database file with its WAL and shared-memory files, after closing pooled connections.</summary>
    public static void DeleteSqliteFiles(string file)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var f in new[] { file, file + "-wal", file + "-shm" })
            File.Delete(f);
    }

    /// <summary>A second handle on the same database, as a second server process would have.</summary>
    public AuditorDatabase OpenAnother() => AuditorDatabase.Create(Database.Kind, ConnectionString);

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        await _drop();
    }
}
