using Auditor.Detection;
using Auditor.Review.Routing;
using Auditor.Storage.Retention;
using Auditor.Storage.Samples;
using Auditor.Testing;
using Dapper;

namespace Auditor.Storage.Tests;

/// <summary>
/// Retention on both databases: rows past a table's retention go (PostgreSQL by dropping week partitions, SQLite by
/// batched deletes), everything younger stays, and a table kept for good (0) keeps everything.
/// </summary>
public abstract class RetentionContractTests : MigratedDatabaseTest
{
    private static readonly DetectorRegistry Detectors = new(DetectorRegistry.Builtin(), new DefaultDetectorSettings());

    private RetentionStore Store => new(Database);

    private async Task CommitAsync(params Auditor.Contracts.OutputSample[] samples) =>
        await new SampleBatchWriter(Database, TimeProvider.System).CommitAsync(
            samples.Select(s => new AuditedSample(s, Detectors.Inspect(s), new RoutingDecision(ReviewStratum.Uniform, 0.02))).ToList(), [], default);

    protected async Task<long> CountAsync(string table, string sampleId)
    {
        await using var c = await Database.OpenAsync(default);
        return await c.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table} WHERE sample_id = @sampleId", new { sampleId });
    }

    [Fact]
    public async Task Forgets_dedupe_ids_only_past_the_dedupe_window()
    {
        var old = TestSamples.Valid() with { OccurredAt = DateTimeOffset.UtcNow.AddDays(-29) };
        var recent = TestSamples.Valid();
        await CommitAsync(old, recent);

        // Three weeks on, the old sample is 50 days old: past the 35-day window even counting the rest of its week.
        await Store.ApplyAsync(new RetentionPolicy(), DateTimeOffset.UtcNow.AddDays(21), default);

        var reader = new SampleReader(Database);
        Assert.False(await reader.WasCountedAsync(old.SampleId!, default));
        Assert.True(await reader.WasCountedAsync(recent.SampleId!, default));
        // Samples, results and review items are kept for good by default.
        Assert.Equal(1, await CountAsync("samples", old.SampleId!));
        Assert.True(await CountAsync("detector_results", old.SampleId!) > 0);
        Assert.Equal(1, await CountAsync("review_items", old.SampleId!));
    }

    [Fact]
    public async Task Drops_samples_results_and_review_items_past_their_retention_and_keeps_younger_rows()
    {
        var old = TestSamples.Valid() with { OccurredAt = DateTimeOffset.UtcNow.AddDays(-29) };
        var recent = TestSamples.Valid();
        await CommitAsync(old, recent);
        var policy = new RetentionPolicy(SamplesDays: 63, DetectorResultsDays: 63, ReviewItemsDays: 63);

        // Review items go by when they were queued (now for both), so on PostgreSQL the old one stays in its partition; on
        // SQLite the sample's foreign key takes its review item with it (ADR 0009). Either way the recent rows stay.
        await Store.ApplyAsync(policy, DateTimeOffset.UtcNow.AddDays(63 - 29 + 8), default);

        Assert.Equal(0, await CountAsync("samples", old.SampleId!));
        Assert.Equal(0, await CountAsync("detector_results", old.SampleId!));
        Assert.Equal(1, await CountAsync("samples", recent.SampleId!));
        Assert.Equal(1, await CountAsync("review_items", recent.SampleId!));
        Assert.True(await CountAsync("detector_results", recent.SampleId!) > 0);
    }

    [Fact]
    public async Task A_second_run_with_the_same_clock_changes_nothing()
    {
        await CommitAsync(TestSamples.Valid() with { OccurredAt = DateTimeOffset.UtcNow.AddDays(-29) });
        var later = DateTimeOffset.UtcNow.AddDays(21);
        await Store.ApplyAsync(new RetentionPolicy(), later, default);

        var again = await Store.ApplyAsync(new RetentionPolicy(), later, default);

        Assert.False(again.DidAnything);
    }

    [Theory]
    [InlineData(34, 0, "SampleIdsDays")]
    [InlineData(35, 30, "SamplesDays")]
    [InlineData(35, -1, "SamplesDays")]
    public void Refuses_a_retention_shorter_than_the_dedupe_window_or_a_report_reads(int sampleIds, int samples, string setting)
    {
        var problem = Assert.Single(new RetentionPolicy(sampleIds, samples).Problems());
        Assert.Contains(setting, problem);
    }
}

public sealed class SqliteRetentionTests : RetentionContractTests
{
    protected override StoreKind Kind => StoreKind.Sqlite;

    [Fact]
    public async Task Deletes_in_batches_until_nothing_is_past_the_cutoff()
    {
        var samples = Enumerable.Range(0, RetentionStore.SqliteBatch * 2 + 7)
            .Select(i => TestSamples.Valid() with { OccurredAt = DateTimeOffset.UtcNow.AddDays(-29) }).ToList();
        await using (var c = await Database.OpenAsync(default))
        await using (var tx = await c.BeginTransactionAsync())
        {
            await c.ExecuteAsync("INSERT INTO sample_ids (sample_id, occurred_at, seen_at) VALUES (@SampleId, @OccurredAt, @OccurredAt)",
                samples.Select(s => new { s.SampleId, OccurredAt = s.OccurredAt!.Value }), tx);
            await tx.CommitAsync();
        }

        var outcome = await new RetentionStore(Database).ApplyAsync(new RetentionPolicy(), DateTimeOffset.UtcNow.AddDays(21), default);

        Assert.Equal(samples.Count, outcome.Deleted["sample_ids"]);
        await using var check = await Database.OpenAsync(default);
        Assert.Equal(0, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM sample_ids"));
    }
}

public sealed class PostgresRetentionTests : RetentionContractTests
{
    protected override StoreKind Kind => StoreKind.Postgres;

    private async Task<IReadOnlyList<string>> PartitionsAsync(string table)
    {
        await using var c = await Database.OpenAsync(default);
        return (await c.QueryAsync<string>("""
            SELECT child.relname FROM pg_inherits i JOIN pg_class child ON child.oid = i.inhrelid JOIN pg_class parent ON parent.oid = i.inhparent
            WHERE parent.relname = @table ORDER BY 1
            """, new { table })).ToList();
    }

    [Fact]
    public async Task The_job_creates_week_partitions_four_weeks_ahead_for_every_table()
    {
        var now = DateTimeOffset.UtcNow.AddDays(70); // beyond what the migration created

        var outcome = await new RetentionStore(Database).ApplyAsync(new RetentionPolicy(), now, default);

        var lastWeek = TimePartitionedTables.WeekStart(now).AddDays(7 * RetentionStore.WeeksAhead);
        foreach (var table in new[] { "sample_ids", "samples", "detector_results", "review_items" })
        {
            var partitions = await PartitionsAsync(table);
            Assert.Contains($"{table}_w{lastWeek:yyyyMMdd}", partitions);
            Assert.Contains($"{table}_w{TimePartitionedTables.WeekStart(now):yyyyMMdd}", partitions);
            Assert.Contains($"{table}_default", partitions);
            Assert.Contains($"{table}_w{lastWeek:yyyyMMdd}", outcome.Created);
        }
    }

    [Fact]
    public async Task The_job_drops_whole_partitions_past_retention_and_never_the_current_week()
    {
        var old = TestSamples.Valid() with { OccurredAt = DateTimeOffset.UtcNow.AddDays(-29) };
        await new SampleBatchWriter(Database, TimeProvider.System).CommitAsync(
            [new AuditedSample(old, Detectors.Inspect(old), new RoutingDecision(null, 0))], [], default);
        var oldWeek = $"sample_ids_w{TimePartitionedTables.WeekStart(old.OccurredAt!.Value):yyyyMMdd}";
        Assert.Contains(oldWeek, await PartitionsAsync("sample_ids"));
        var now = DateTimeOffset.UtcNow.AddDays(21);

        var outcome = await new RetentionStore(Database).ApplyAsync(new RetentionPolicy(), now, default);

        Assert.Contains(oldWeek, outcome.Dropped);
        var left = await PartitionsAsync("sample_ids");
        Assert.DoesNotContain(oldWeek, left);
        Assert.Contains($"sample_ids_w{TimePartitionedTables.WeekStart(now):yyyyMMdd}", left);
        Assert.All(outcome.Dropped, name => Assert.StartsWith("sample_ids_w", name)); // the other tables are kept for good
    }

    [Fact]
    public async Task Rows_that_arrived_before_their_week_had_a_partition_are_moved_into_it()
    {
        var farAhead = TestSamples.Valid() with { OccurredAt = DateTimeOffset.UtcNow.AddDays(120) }; // no partition yet
        await new SampleBatchWriter(Database, TimeProvider.System).CommitAsync(
            [new AuditedSample(farAhead, Detectors.Inspect(farAhead), new RoutingDecision(ReviewStratum.Uniform, 0.02))], [], default);
        Assert.Equal(1, await CountAsync("samples_default", farAhead.SampleId!));

        await new RetentionStore(Database).ApplyAsync(new RetentionPolicy(), DateTimeOffset.UtcNow, default);

        Assert.Equal(0, await CountAsync("samples_default", farAhead.SampleId!));
        Assert.Equal(1, await CountAsync($"samples_w{TimePartitionedTables.WeekStart(farAhead.OccurredAt!.Value):yyyyMMdd}", farAhead.SampleId!));
        Assert.Equal(1, await CountAsync("samples", farAhead.SampleId!));
    }

    private static readonly DetectorRegistry Detectors = new(DetectorRegistry.Builtin(), new DefaultDetectorSettings());
}
