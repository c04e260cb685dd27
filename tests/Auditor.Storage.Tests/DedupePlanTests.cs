using Auditor.Storage.Postgres;
using Auditor.Testing;
using Dapper;
using Npgsql;

namespace Auditor.Storage.Tests;

/// <summary>
/// The dedupe insert's look-up of an id under another occurredAt (ADR 0012) stays a probe of the key index per id,
/// whatever plan PostgreSQL would prefer: as a join it could become a hash anti join that reads the whole current week
/// on every batch (measured: the database's CPU per sample grew with the week's row count, docs/scale.md).
/// </summary>
public sealed class DedupePlanTests : IAsyncLifetime
{
    private PostgresTestDatabase _postgres = null!;

    public async Task InitializeAsync() => _postgres = await PostgresTestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _postgres.DisposeAsync();

    [Fact]
    public async Task The_look_up_of_earlier_copies_is_a_per_id_probe_even_where_the_planner_would_rather_join()
    {
        await using (var database = AuditorDatabase.Create(StoreKind.Postgres, _postgres.ConnectionString))
            await database.MigrateAsync(default);
        await using var c = new NpgsqlConnection(_postgres.ConnectionString);
        await c.OpenAsync();
        var now = DateTimeOffset.UtcNow;
        // A week that already holds rows, without statistics (as a new week's partition is before autovacuum reaches it).
        await c.ExecuteAsync("INSERT INTO sample_ids (sample_id, occurred_at, seen_at) SELECT 'old-' || g, @now, @now FROM generate_series(1, 5000) g", new { now });
        // A nested loop is what probes per id: with it off, a join form of the look-up can only hash or merge.
        await c.ExecuteAsync("SET enable_nestloop = off");

        var plan = string.Join('\n', await c.QueryAsync<string>("EXPLAIN (COSTS OFF) " + PostgresDatabase.InsertNewSampleIdsSql, new
        {
            ids = Enumerable.Range(0, 500).Select(i => $"new-{i}").ToArray(),
            ats = Enumerable.Repeat(now.UtcDateTime, 500).ToArray(),
            seenAt = now,
            oldest = now.AddDays(-31),
            newest = now.AddDays(31),
        }));

        Assert.DoesNotContain("Join", plan, StringComparison.Ordinal);
        Assert.Contains("SubPlan", plan, StringComparison.Ordinal);
        Assert.Contains("_pkey", plan, StringComparison.Ordinal); // each week through its key index
        Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);
    }
}
