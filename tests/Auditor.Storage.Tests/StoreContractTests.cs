using System.Text.Json;
using Auditor.Contracts;
using Auditor.Detection;
using Auditor.Review.Routing;
using Auditor.Storage.Samples;
using Auditor.Storage.Streams;
using Auditor.Testing;
using Dapper;

namespace Auditor.Storage.Tests;

/// <summary>
/// The behaviour every store must have. Runs once on SQLite and once on PostgreSQL (see the subclasses),
/// each test on a fresh, migrated database.
/// </summary>
public abstract class StoreContractTests : MigratedDatabaseTest
{
    private static readonly DetectorRegistry Detectors = new(DetectorRegistry.Builtin(), new DefaultDetectorSettings());

    private SampleBatchWriter Writer => new(Database, TimeProvider.System);
    private SampleReader Reader => new(Database);

    private static AuditedSample Audited(OutputSample sample, ReviewStratum? stratum = null, double pi = 0.02) =>
        new(sample, Detectors.Inspect(sample), new RoutingDecision(stratum, pi));

    private async Task<long> CountAsync(string table)
    {
        await using var c = await Database.OpenAsync(CancellationToken.None);
        return await c.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}");
    }

    [Fact]
    public async Task Migrating_again_applies_nothing()
    {
        Assert.Empty(await Database.MigrateAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Counts_a_redelivered_sample_once()
    {
        var sample = TestSamples.Valid();

        var first = await Writer.CommitAsync([Audited(sample)], [], default);
        var again = await Writer.CommitAsync([Audited(sample), Audited(sample)], [], default);

        Assert.Equal((1, 0), (first.Counted, first.Duplicates));
        Assert.Equal((0, 2), (again.Counted, again.Duplicates));
        var stream = Assert.Single(await new StreamSummaryReader(Database).ListAsync(DateTimeOffset.UnixEpoch.AddYears(30), DateTimeOffset.UtcNow.AddDays(1), default));
        Assert.Equal(1, stream.Total);
    }

    [Fact]
    public async Task Counts_a_sample_id_re_sent_with_another_occurredAt_once_even_in_another_week()
    {
        var sample = TestSamples.Valid() with { OccurredAt = DateTimeOffset.UtcNow.AddDays(-20) };

        var first = await Writer.CommitAsync([Audited(sample)], [], default);
        var again = await Writer.CommitAsync([Audited(sample with { OccurredAt = DateTimeOffset.UtcNow.AddMinutes(-1) })], [], default);

        Assert.Equal((1, 0), (first.Counted, first.Duplicates));
        Assert.Equal((0, 1), (again.Counted, again.Duplicates));
        Assert.Equal(1, await CountAsync("sample_ids"));
    }

    [Fact]
    public async Task Counts_a_sample_repeated_within_one_batch_once()
    {
        var sample = TestSamples.Valid();

        var outcome = await Writer.CommitAsync([Audited(sample), Audited(sample with { Output = "a different copy" })], [], default);

        Assert.Equal((1, 1), (outcome.Counted, outcome.Duplicates));
        Assert.Equal(1, await CountAsync("sample_ids"));
    }

    [Fact]
    public async Task Keeps_text_only_for_flagged_or_selected_samples()
    {
        var plain = TestSamples.Valid();
        var flagged = TestSamples.Valid(output: "");
        var selected = TestSamples.Valid();

        var outcome = await Writer.CommitAsync([Audited(plain), Audited(flagged), Audited(selected, ReviewStratum.Uniform, 0.02)], [], default);

        Assert.Equal((3, 2, 1), (outcome.Counted, outcome.Stored, outcome.Selected));
        Assert.Null(await Reader.GetAsync(plain.SampleId!, default));
        Assert.True(await Reader.WasCountedAsync(plain.SampleId!, default));
        Assert.NotNull(await Reader.GetAsync(flagged.SampleId!, default));
        var stored = await Reader.GetAsync(selected.SampleId!, default);
        Assert.Equal(("uniform", 0.02, "pending"), (stored!.ReviewItem!.Stratum, stored.ReviewItem.InclusionProbability, stored.ReviewItem.State));
    }

    [Fact]
    public async Task Writes_a_batch_mixing_absent_fields_and_local_time_offsets_as_given()
    {
        // One statement per table on PostgreSQL (unnest of one array per column): NULLs must stay NULLs, and a time given
        // with an offset is the same instant, in the UTC hour's counter.
        var local = new DateTimeOffset(2026, 12, 3, 0, 40, 0, TimeSpan.FromHours(5.5));
        var bare = new OutputSample { SampleId = $"bare-{Guid.NewGuid():N}", OccurredAt = DateTimeOffset.UtcNow.AddMinutes(-2), Model = "m-bare", Route = "r-bare", Output = "" };
        var offset = TestSamples.Valid() with { OccurredAt = local, PromptTokens = 7, LatencyMs = 12.5 };

        var outcome = await Writer.CommitAsync([Audited(bare, ReviewStratum.Uniform), Audited(offset, ReviewStratum.Uniform)], [], default);

        Assert.Equal((2, 2, 2), (outcome.Counted, outcome.Stored, outcome.Selected));
        var back = (await Reader.GetAsync(bare.SampleId!, default))!.Sample;
        Assert.Equal((null, null, null, null, null, null), (back.Deployment, back.Prompt, back.PromptTokens, back.CompletionTokens, back.LatencyMs, back.Params));
        Assert.Equal("", back.Output);
        var other = (await Reader.GetAsync(offset.SampleId!, default))!.Sample;
        Assert.Equal(local.ToUnixTimeMilliseconds(), other.OccurredAt!.Value.ToUnixTimeMilliseconds());
        Assert.Equal((7, 12.5), (other.PromptTokens, other.LatencyMs));
        var hour = await new StreamSummaryReader(Database).ListAsync(local.AddHours(-1), local.AddHours(1), default);
        var stream = Assert.Single(hour, s => s.Route == offset.Route);
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 19, 0, 0, TimeSpan.Zero), stream.FirstHour.ToUniversalTime());
        Assert.Equal(2, await CountAsync("review_items"));
        Assert.Equal(2L * Detectors.Detectors.Count, await CountAsync("detector_results"));
    }

    [Fact]
    public async Task Reads_back_every_contract_field_and_detector_result()
    {
        var sample = TestSamples.Valid(output: "cut off mid\0sentence") with
        {
            FinishReason = "length", PromptTokens = 12, LatencyMs = 812.5, TimeToFirstTokenMs = 90, SamplingRate = 0.25,
            Params = new() { ["temperature"] = JsonSerializer.SerializeToElement(0.7), ["stop"] = JsonSerializer.SerializeToElement(new[] { "</s>" }) },
            Attributes = new() { ["tenant"] = "acme", ["note"] = "<script>alert(1)</script>'; DROP TABLE samples; --" },
        };

        await Writer.CommitAsync([Audited(sample, ReviewStratum.Flagged, 0.51)], [], default);
        var stored = await Reader.GetAsync(sample.SampleId!, default);

        Assert.NotNull(stored);
        var back = stored.Sample;
        Assert.Equal((sample.Model, sample.Route, sample.Deployment, sample.Prompt), (back.Model, back.Route, back.Deployment, back.Prompt));
        // NUL cannot be stored in PostgreSQL text; both stores keep it visible as U+FFFD at the same offset.
        Assert.Equal("cut off mid\uFFFDsentence", back.Output);
        Assert.Equal(sample.OccurredAt!.Value.ToUnixTimeMilliseconds(), back.OccurredAt!.Value.ToUnixTimeMilliseconds());
        Assert.Equal((12, 9, 256, 812.5, 90.0, 0.25), (back.PromptTokens, back.CompletionTokens, back.MaxTokens, back.LatencyMs, back.TimeToFirstTokenMs, back.SamplingRate));
        Assert.Equal(0.7, back.Params!["temperature"].GetDouble());
        Assert.Equal(sample.Attributes, back.Attributes);
        Assert.True(stored.Flagged);
        var truncation = stored.DetectorResults.Single(r => r.Detector == "truncation");
        Assert.True(truncation.Flagged);
        Assert.Equal(sample.Output!.Length, truncation.Evidence[0].Start + truncation.Evidence[0].Length);
        Assert.Equal(("flagged", 0.51), (stored.ReviewItem!.Stratum, stored.ReviewItem.InclusionProbability));
        Assert.Equal(sample.Output.Length, stored.Features.GetProperty("charLength").GetInt32());
    }

    [Fact]
    public async Task Counts_per_stream_hour_with_volume_scaled_by_the_sampling_rate()
    {
        var hour = new DateTimeOffset(DateTime.UtcNow.Year, DateTime.UtcNow.Month, DateTime.UtcNow.Day, DateTime.UtcNow.Hour, 0, 0, TimeSpan.Zero).AddHours(-2);
        var a = TestSamples.Valid() with { OccurredAt = hour.AddMinutes(5), SamplingRate = 0.1 };
        var b = TestSamples.Valid(output: "") with { OccurredAt = hour.AddMinutes(50), SamplingRate = 0.5 };
        var otherRoute = TestSamples.Valid() with { Route = "other", OccurredAt = hour.AddMinutes(70) };

        await Writer.CommitAsync([Audited(a)], [], default);
        await Writer.CommitAsync([Audited(b), Audited(otherRoute)], [], default);
        var streams = await new StreamSummaryReader(Database).ListAsync(hour, hour.AddHours(3), default);

        var main = streams.Single(s => s.Route == a.Route);
        Assert.Equal((2L, 1L), (main.Total, main.Flagged));
        Assert.Equal(12.0, main.Volume, 9);
        Assert.Equal(0.5, main.FlagRate);
        Assert.Equal(1, main.FlaggedByDetector["empty"]);
        Assert.Equal((hour, hour), (main.FirstHour, main.LastHour));
        Assert.Equal(1, streams.Single(s => s.Route == "other").Total);
        Assert.Empty(await new StreamSummaryReader(Database).ListAsync(hour.AddHours(-5), hour, default));
    }

    [Fact]
    public async Task Keeps_every_rejected_payload_with_every_rule_once()
    {
        var errors = new[] { new ContractViolation("sampleId", "sampleId.required", "sampleId is required."), new ContractViolation("route", "route.required", "route is required.") };
        var bad = new RejectedSample("rabbitmq", null, errors, """{"model":"m","output":"x"}""");

        var first = await Writer.CommitAsync([], [bad], default);
        var redelivered = await Writer.CommitAsync([], [bad], default);

        Assert.Equal((1, 0), (first.Rejected, redelivered.Rejected));
        await using var c = await Database.OpenAsync(default);
        var row = await c.QuerySingleAsync<(string Source, string Errors, string Payload)>(
            "SELECT source AS Source, CAST(errors AS text) AS Errors, payload AS Payload FROM rejected_samples");
        Assert.Equal("rabbitmq", row.Source);
        Assert.Equal("""{"model":"m","output":"x"}""", row.Payload);
        Assert.Contains("sampleId.required", row.Errors, StringComparison.Ordinal);
        Assert.Contains("route.required", row.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_batch_that_fails_for_a_reason_other_than_its_data_leaves_nothing_behind()
    {
        var plain = TestSamples.Valid();
        var selected = TestSamples.Valid();
        await using (var c = await Database.OpenAsync(default))
            await c.ExecuteAsync("ALTER TABLE review_items RENAME TO review_items_gone"); // a broken schema: no row is at fault

        await Assert.ThrowsAnyAsync<Exception>(() => Writer.CommitAsync([Audited(plain), Audited(selected, ReviewStratum.Uniform, 0.02)], [], default));

        Assert.Equal(0, await CountAsync("sample_ids"));
        Assert.Equal(0, await CountAsync("samples"));
        Assert.Equal(0, await CountAsync("stream_hour_counters"));
        Assert.Equal(0, await CountAsync("rejected_samples"));
    }

    [Fact]
    public async Task Concurrent_writers_with_overlapping_ids_count_each_sample_once()
    {
        var samples = Enumerable.Range(0, 400).Select(i => TestSamples.Valid(output: i % 10 == 0 ? "" : "fine")).ToList();
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
            Writer.CommitAsync(samples.Skip(w * 50).Take(250).Select(s => Audited(s)).ToList(), [], default))).ToList();

        var outcomes = await Task.WhenAll(writers);

        Assert.Equal(samples.Count, outcomes.Sum(o => o.Counted));
        Assert.Equal(samples.Count, await CountAsync("sample_ids"));
        Assert.Equal(40, await CountAsync("samples"));
    }

    [Fact]
    public async Task Two_servers_migrating_at_once_both_succeed()
    {
        var other = Test.OpenAnother();
        await using (other)
        {
            await Task.WhenAll(Database.MigrateAsync(default), other.MigrateAsync(default));
        }
        await using var c = await Database.OpenAsync(default);
        Assert.Equal(Migrations.SchemaMigrator.Scripts(Database.Kind).Count, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_migrations"));
    }

}

public sealed class SqliteStoreContractTests : StoreContractTests
{
    protected override StoreKind Kind => StoreKind.Sqlite;
}

public sealed class PostgresStoreContractTests : StoreContractTests
{
    protected override StoreKind Kind => StoreKind.Postgres;
}
