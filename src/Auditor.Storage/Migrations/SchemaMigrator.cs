using System.Reflection;
using Dapper;

namespace Auditor.Storage.Migrations;

/// <summary>
/// Applies the numbered plain-SQL scripts embedded under Migrations/{Postgres|Sqlite}/NNNN_name.sql, in order,
/// each once, all in one transaction under a database lock (an advisory lock on PostgreSQL, the write lock on
/// SQLite), so servers starting together agree. See docs/adr/0002-migrations.md.
/// </summary>
internal sealed class SchemaMigrator(AuditorDatabase database)
{
    // Work in code that a script needs right after it, in the same transaction: data built by a rule that lives in pure
    // code (the settled verdict of a review item) is built by that code, not by the rule restated in SQL.
    private static readonly Dictionary<string, Func<AuditorDatabase, System.Data.Common.DbConnection, System.Data.Common.DbTransaction, CancellationToken, Task>> AfterScript =
        new(StringComparer.Ordinal)
        {
            ["0016_review_tallies"] = Review.ReviewTallies.RebuildAsync,
            ["0017_reviewer_tallies"] = Review.ReviewerTallies.RebuildAsync,
        };

    private const string CreateJournal =
        "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at text NOT NULL)";

    public async Task<IReadOnlyList<string>> ApplyAsync(CancellationToken ct)
    {
        var scripts = Scripts(database.Kind);
        await using var connection = await database.OpenAsync(ct);
        await database.PrepareForMigrationAsync(connection, ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await database.LockForMigrationAsync(connection, tx, ct);
        await connection.ExecuteAsync(new CommandDefinition(CreateJournal, transaction: tx, cancellationToken: ct));
        var applied = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT version FROM schema_migrations", transaction: tx, cancellationToken: ct))).ToHashSet(StringComparer.Ordinal);

        var newlyApplied = new List<string>();
        foreach (var (version, sql) in scripts)
        {
            if (applied.Contains(version))
                continue;
            await connection.ExecuteAsync(new CommandDefinition(sql, transaction: tx, cancellationToken: ct));
            if (AfterScript.TryGetValue(version, out var after))
                await after(database, connection, tx, ct);
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (@version, @at)",
                new { version, at = DateTimeOffset.UtcNow.ToString("O") }, tx, cancellationToken: ct));
            newlyApplied.Add(version);
        }
        await tx.CommitAsync(ct);
        return newlyApplied;
    }

    /// <summary>The embedded scripts for a database kind, ordered by their number.</summary>
    public static IReadOnlyList<(string Version, string Sql)> Scripts(StoreKind kind)
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var prefix = $"{assembly.GetName().Name}.Migrations.{kind}.";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => (Version: n[prefix.Length..^4], Sql: Read(assembly, n)))
            .OrderBy(s => s.Version, StringComparer.Ordinal)
            .ToList();
    }

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
