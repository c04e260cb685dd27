using Auditor.Storage.Migrations;
using Auditor.Storage.Retention;
using Auditor.Testing;
using Dapper;
using Npgsql;

namespace Auditor.Storage.Tests;

/// <summary>
/// Migration 0014 on a PostgreSQL database that holds data in the previous (unpartitioned) schema: every row is moved
/// into its week's partition, ids and joins survive, and writing goes on where the old identity left off.
/// </summary>
public sealed class PartitionMigrationTests : IAsyncLifetime
{
    private const string Partitioning = "0014_weekly_partitions";
    private PostgresTestDatabase _postgres = null!;

    public async Task InitializeAsync() => _postgres = await PostgresTestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _postgres.DisposeAsync();

    [Fact]
    public async Task Moves_an_existing_database_into_week_partitions_keeping_every_row()
    {
        await using (var c = new NpgsqlConnection(_postgres.ConnectionString))
        {
            await c.OpenAsync();
            await c.ExecuteAsync("CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at text NOT NULL)");
            foreach (var (version, sql) in SchemaMigrator.Scripts(StoreKind.Postgres).Where(s => string.CompareOrdinal(s.Version, Partitioning) < 0))
            {
                await c.ExecuteAsync(sql);
                await c.ExecuteAsync("INSERT INTO schema_migrations VALUES (@version, 'test')", new { version });
            }
            // Three samples in three different weeks (one long ago), each with a detector result and a review item with a verdict.
            var now = DateTimeOffset.UtcNow;
            foreach (var (id, at) in new[] { ("a", now.AddDays(-200)), ("b", now.AddDays(-10)), ("c", now.AddMinutes(-5)) })
            {
                await c.ExecuteAsync("INSERT INTO sample_ids (sample_id, occurred_at, seen_at) VALUES (@id, @at, @at)", new { id, at });
                await c.ExecuteAsync("""
                    INSERT INTO samples (sample_id, model, route, occurred_at, received_at, output, sampling_rate, flagged, features)
                    VALUES (@id, 'm', 'r', @at, @at, 'text of ' || @id, 1, true, '{}')
                    """, new { id, at });
                await c.ExecuteAsync("""
                    INSERT INTO detector_results (sample_id, detector, score, threshold, flagged, abstained, evidence, explanation)
                    VALUES (@id, 'degeneration', 0.9, 0.5, true, false, '[]', 'loops')
                    """, new { id });
                var item = await c.ExecuteScalarAsync<long>("""
                    INSERT INTO review_items (sample_id, model, route, stratum, inclusion_probability, state, created_at)
                    VALUES (@id, 'm', 'r', 'flagged', 1, 'done', @at) RETURNING item_id
                    """, new { id, at });
                await c.ExecuteAsync("""
                    INSERT INTO verdicts (item_id, sample_id, reviewer, verdict, blind, created_at) VALUES (@item, @id, 'ann', 'failure', true, @at)
                    """, new { item, id, at });
            }
        }
        await using var database = AuditorDatabase.Create(StoreKind.Postgres, _postgres.ConnectionString);

        var applied = await database.MigrateAsync(default);

        Assert.Contains(Partitioning, applied);
        await using var check = await database.OpenAsync(default);
        foreach (var table in new[] { "sample_ids", "samples", "detector_results", "review_items" })
        {
            Assert.Equal("p", await check.ExecuteScalarAsync<string>("SELECT relkind::text FROM pg_class WHERE relname = @table", new { table }));
            Assert.Equal(3, await check.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}"));
            Assert.Equal(0, await check.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}_default"));
        }
        var old = TimePartitionedTables.WeekStart(DateTimeOffset.UtcNow.AddDays(-200));
        Assert.Equal("text of a", await check.ExecuteScalarAsync<string>($"SELECT output FROM samples_w{old:yyyyMMdd}"));
        // The text search's generated words (migration 0012) are computed again in every partition, and its indexes are back.
        Assert.Equal(3, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM samples WHERE output_words @@ phraseto_tsquery('simple', 'text of')"));
        Assert.Equal(2, await check.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM pg_indexes WHERE tablename = 'samples' AND indexname IN ('ix_samples_output_words', 'ix_samples_time')"));
        // Verdicts still join to their items and samples, as the report reads them.
        Assert.Equal(3, await check.ExecuteScalarAsync<long>("""
            SELECT COUNT(*) FROM verdicts v JOIN review_items r ON r.item_id = v.item_id JOIN samples s ON s.sample_id = r.sample_id
            JOIN detector_results d ON d.sample_id = s.sample_id AND d.occurred_at = s.occurred_at
            """));
        // The identity goes on past the moved items.
        var next = await check.ExecuteScalarAsync<long>("""
            INSERT INTO review_items (sample_id, model, route, stratum, inclusion_probability, state, created_at)
            VALUES ('d', 'm', 'r', 'uniform', 0.02, 'pending', now()) RETURNING item_id
            """);
        Assert.True(next > await check.ExecuteScalarAsync<long>("SELECT MAX(item_id) FROM review_items WHERE sample_id <> 'd'"));
        Assert.Empty(await database.MigrateAsync(default));
    }
}
