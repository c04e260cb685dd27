using System.Text.Json;
using Auditor.Contracts.Events;
using Auditor.Detection;
using Auditor.Detection.Drift;
using Auditor.Detection.Features;
using Auditor.Review.Incidents;
using Auditor.Storage.Drift;
using Auditor.Review.Routing;
using Auditor.Storage.Incidents;
using Auditor.Storage.Samples;
using Auditor.Testing;
using Dapper;

namespace Auditor.Storage.Tests;

public abstract class DriftStoreContractTests : MigratedDatabaseTest
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_saved_model_becomes_active_and_supersedes_the_previous_version()
    {
        var store = new DriftModelStore(Database, TimeProvider.System);
        var model = DriftModelTrainer.Train("m", "r", DriftFeatures.Normal(1, 600));
        var first = await store.SaveAsync(model, Provenance(600), default);
        var second = await store.SaveAsync(model, Provenance(600), default);

        var active = Assert.Single(await store.ActiveAsync(default));
        Assert.Equal(second.Version, active.Version);
        Assert.Equal(DriftModelSerializer.ToBytes(model), DriftModelSerializer.ToBytes(active));
        Assert.Equal(["active", "superseded"], (await store.HistoryAsync(10, default)).Select(v => v.Status));
        Assert.True(second.Version > first.Version);
    }

    [Fact]
    public async Task A_baseline_window_that_contains_confirmed_failures_excludes_them()
    {
        var features = DriftFeatures.Normal(2, 10);
        for (var i = 0; i < features.Count; i++)
            await InsertAsync($"s{i}", "m", "r", Now.AddHours(-2).AddMinutes(i), features[i], "uniform", i switch { 0 => "failure", 1 => "ok", 2 => "retracted-failure", _ => null });
        await InsertAsync("flagged", "m", "r", Now.AddHours(-2), features[0], "flagged", null);
        await InsertAsync("this-hour", "m", "r", Now, features[0], "uniform", null);

        var baseline = Assert.Single(await new DriftBaselineReader(Database).ReadAsync(Now, TimeSpan.FromDays(14), 5000, default));
        Assert.Equal(1, baseline.ExcludedFailures);
        Assert.Equal(9, baseline.Features.Count);
        Assert.DoesNotContain(baseline.Features, f => f.CharLength == features[0].CharLength);
    }

    [Fact]
    public async Task A_training_run_trains_streams_with_enough_samples_and_says_why_it_skipped_the_rest()
    {
        var features = DriftFeatures.Normal(3, 260);
        for (var i = 0; i < features.Count; i++)
            await InsertAsync($"a{i}", "big", "r", Now.AddHours(-3).AddSeconds(i), features[i], "uniform", i < 5 ? "failure" : null);
        await InsertAsync("b0", "small", "r", Now.AddHours(-3), features[0], "uniform", null);
        var clock = new FixedClock(Now);
        var training = new DriftTraining(new DriftBaselineReader(Database), new DriftModelStore(Database, clock), clock);

        var outcomes = (await training.RunAsync("test", default)).ToDictionary(o => o.Model);
        Assert.NotNull(outcomes["big"].Version);
        Assert.Equal((255, 5), (outcomes["big"].Samples, outcomes["big"].ExcludedFailures));
        // The fit leaves the confirmed failures out; the indicator rules count them, as a window counts every output.
        var big = Assert.Single(await new DriftModelStore(Database, clock).ActiveAsync(default));
        Assert.Equal((255, 260), (big.TrainingSamples, big.Indicators!.Samples));
        Assert.Null(outcomes["small"].Version);
        Assert.Contains("200 needed", outcomes["small"].Note);
    }

    [Fact]
    public async Task Every_judged_sample_counts_for_the_indicator_rules_once_per_stream_and_hour()
    {
        var detectors = new DetectorRegistry(DetectorRegistry.Builtin(), new DefaultDetectorSettings());
        var hour = new DateTimeOffset(2026, 11, 20, 9, 0, 0, TimeSpan.Zero);
        var loop = "The meeting is at noon. " + string.Concat(Enumerable.Repeat("I will be there on time. ", 20));
        var outputs = new[] { "Paris is the capital of France.", loop, "   ", loop, "A short, ordinary answer." };
        var samples = outputs.Select((o, i) => TestSamples.Valid(output: o) with { SampleId = $"i{i}", OccurredAt = hour.AddMinutes(10 + i) })
            .Append(TestSamples.Valid(output: loop) with { SampleId = "next-hour", OccurredAt = hour.AddMinutes(70) })
            .Select(s => new AuditedSample(s, detectors.Inspect(s), new RoutingDecision(null, 0))).ToList();
        var writer = new SampleBatchWriter(Database, TimeProvider.System);
        await writer.CommitAsync(samples, [], default);
        await writer.CommitAsync(samples, [], default); // a redelivered batch is counted once

        await using var c = await Database.OpenAsync(default);
        var rows = (await c.QueryAsync<(string Indicator, long Samples, long Met)>(
            "SELECT indicator, samples, met FROM indicator_hour_counters WHERE hour = @hour ORDER BY indicator", new { hour })).ToList();
        Assert.Equal([("blank", 5L, 1L), ("looping", 5L, 2L)], rows);
        Assert.Equal(2, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM indicator_hour_counters WHERE hour = @next", new { next = hour.AddHours(1) }));
    }

    [Fact]
    public async Task A_training_run_takes_the_indicator_rates_from_every_judged_sample_of_the_window_when_they_are_more()
    {
        var features = DriftFeatures.Normal(3, 260);
        foreach (var stream in new[] { "history", "few", "partial" })
        {
            for (var i = 0; i < features.Count; i++)
                await InsertAsync($"{stream}{i}", stream, "r", Now.AddHours(-3).AddSeconds(i), features[i], "uniform", null);
        }
        // "history": 10,000 judged samples in the window, plus hours outside it (15 days back, and the current hour) that
        // must not count. "few": fewer judged samples than uniform rows. "partial": only one of the rules was counted.
        await CountIndicatorsAsync("history", Now.AddDays(-2), 6000, looping: 70, blank: 2);
        await CountIndicatorsAsync("history", Now.AddHours(-5), 4000, looping: 50, blank: 1);
        await CountIndicatorsAsync("history", Now.AddDays(-15), 9000, looping: 9000, blank: 0);
        await CountIndicatorsAsync("history", Now, 9000, looping: 9000, blank: 0);
        await CountIndicatorsAsync("few", Now.AddHours(-5), 100, looping: 50, blank: 0);
        await CountIndicatorsAsync("partial", Now.AddHours(-5), 4000, looping: 50, blank: null);
        var clock = new FixedClock(Now);
        var training = new DriftTraining(new DriftBaselineReader(Database), new DriftModelStore(Database, clock), clock);

        var outcomes = (await training.RunAsync("test", default)).ToDictionary(o => o.Model);
        var models = (await new DriftModelStore(Database, clock).ActiveAsync(default)).ToDictionary(m => m.Model);
        Assert.Equal((10_000, 120, 3), (models["history"].Indicators!.Samples, models["history"].Indicators!.CountOf(DriftIndicators.Looping),
            models["history"].Indicators!.CountOf(DriftIndicators.Blank)));
        Assert.Contains("indicator rates from 10000 judged samples", outcomes["history"].Note);
        Assert.Equal(260, models["few"].Indicators!.Samples);
        Assert.Equal(260, models["partial"].Indicators!.Samples);
        Assert.Equal(DriftIndicators.Count(features), models["partial"].Indicators!.Counts);
    }

    [Fact]
    public async Task Window_counts_of_two_consumers_add_up()
    {
        var model = DriftModelTrainer.Train("m", "r", DriftFeatures.Normal(4, 400));
        var hour = new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
        var store = new DriftWindowStore(Database, TimeProvider.System);
        foreach (var (consumer, seed) in new[] { ("a", 5), ("b", 6) })
        {
            var sketches = new DriftWindowSketches();
            foreach (var v in DriftFeatures.Normal(seed, 30))
                sketches.Add(model, hour.AddMinutes(5), v.ToVector(), anomalous: seed == 5, indicators: seed == 6 ? 1 << DriftIndicators.Looping.Bit : 0);
            await store.SaveAsync(consumer, sketches.Snapshot(), default);
            await store.SaveAsync(consumer, sketches.Snapshot(), default); // a re-flush replaces, never doubles
        }
        var (key, counts) = Assert.Single(await store.ReadAsync(hour, default));
        Assert.Equal(("m", "r", hour), (key.Model, key.Route, key.Slot));
        Assert.Equal((60, 30), (counts.Samples, counts.Anomalous));
        Assert.All(counts.BinCounts, bins => Assert.Equal(60, bins.Sum()));
        Assert.Equal([30, 0], counts.IndicatorCounts!);
    }

    [Fact]
    public async Task A_window_row_written_before_the_indicator_counts_still_reads_and_sums_without_them()
    {
        var model = DriftModelTrainer.Train("m", "r", DriftFeatures.Normal(4, 400));
        var slot = new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
        var store = new DriftWindowStore(Database, TimeProvider.System);
        var sketches = new DriftWindowSketches();
        foreach (var v in DriftFeatures.Normal(5, 30))
            sketches.Add(model, slot.AddMinutes(5), v.ToVector(), anomalous: false, indicators: 1 << DriftIndicators.Looping.Bit);
        await store.SaveAsync("new", sketches.Snapshot(), default);
        // A process of the previous release wrote its counts without indicatorCounts.
        var (_, current) = Assert.Single(sketches.Snapshot());
        var json = JsonSerializer.Serialize(current with { IndicatorCounts = null }, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        var old = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;
        Assert.True(old.Remove("indicatorCounts"));
        await using (var c = await Database.OpenAsync(default))
        {
            await c.ExecuteAsync($"""
                INSERT INTO drift_window_counts (model, route, slot, model_version, consumer, counts, updated_at)
                VALUES ('m', 'r', @slot, @version, 'old', {Database.Json("counts")}, @slot)
                """, new { slot, version = model.Version, counts = JsonSerializer.Serialize(old) });
        }

        var (_, counts) = Assert.Single(await store.ReadAsync(slot, default));
        Assert.Equal(60, counts.Samples);
        Assert.Null(counts.IndicatorCounts);
    }

    [Fact]
    public async Task A_format_1_model_row_still_loads_without_an_indicator_baseline()
    {
        var store = new DriftModelStore(Database, TimeProvider.System);
        // Trained from bare vectors, so without the indicator baseline format 1 could not hold.
        var saved = await store.SaveAsync(DriftModelTrainer.Train("m", "r", DriftFeatures.Normal(9, 400).Select(f => f.ToVector()).ToList()), Provenance(400), default);
        await using (var c = await Database.OpenAsync(default))
            await c.ExecuteAsync("UPDATE drift_models SET payload = @payload WHERE version_id = @id", new { payload = Format1(saved), id = saved.Version });

        var active = Assert.Single(await store.ActiveAsync(default));
        Assert.Equal(saved.Version, active.Version);
        Assert.Null(active.Indicators);
        foreach (var f in DriftFeatures.Normal(10, 50))
            Assert.Equal(saved.Score(f.ToVector()), active.Score(f.ToVector()));
    }

    [Fact]
    public async Task An_alert_is_stored_once_per_stream_and_window_and_lists_newest_first()
    {
        var store = AlertStore();
        var alert = new DriftAlert("m", "r", "hourly", Now.AddMinutes(-30), Now.AddMinutes(30), 500, "anomalous-share", 1e-9, 6.2, 0.031, 0.005, 3,
            [new DriftFeatureShift("seqRep4", 0.9, 0.4, 1e-12, 0.02, 0.31, "repetition (seq-rep-4) rose from 2% to 31%"),
             new DriftFeatureShift("logLength", 0, 0, null, 6, 7, "in the anomalous outputs, outputs got 2.7x longer", AmongAnomalous: true)],
            "m / r: repetition rose.");
        var stored = await store.TryAddAsync(alert, default);
        Assert.Null(await store.TryAddAsync(alert with { Statistic = "ks" }, default));
        await store.TryAddAsync(alert with { WindowKind = "daily", WindowStart = Now.Date }, default);

        Assert.NotNull(stored);
        var all = await store.ListAsync(10, default);
        Assert.Equal(2, all.Count);
        var hourly = all.Single(a => a.WindowKind == "hourly");
        Assert.Equal(("anomalous-share", 1e-9, "seqRep4"), (hourly.Statistic, hourly.PValue, hourly.Features[0].Feature));
        Assert.Null(hourly.Features[1].PValue);
        Assert.Equal(Now.AddMinutes(-30), hourly.WindowStart);
        Assert.Empty(await store.ListAsync(10, default, model: "other"));
    }

    [Fact]
    public async Task Storing_an_alert_writes_its_DriftDetected_delivery_and_opens_the_streams_drift_incident()
    {
        var store = AlertStore();
        var first = await store.TryAddAsync(SimpleAlert("recent"), default);
        var second = await store.TryAddAsync(SimpleAlert("hourly"), default);
        Assert.Null(await store.TryAddAsync(SimpleAlert("hourly"), default)); // the same window again: nothing new

        var deliveries = (await new AlertOutbox(Database, TimeProvider.System).ListAsync(10, default)).Where(d => d.Kind == AlertKinds.DriftDetected).ToList();
        Assert.Equal([second!.AlertId, first!.AlertId], deliveries.Select(d => JsonSerializer.Deserialize<DriftDetected>(d.Payload, AlertPayloads.Json)!.AlertId));
        Assert.All(deliveries, d => Assert.Equal((AlertChannels.Bus, "pending"), (d.Channel, d.State)));
        // One drift incident for the stream: the second alert joins the one the first opened.
        var incident = Assert.Single(await new IncidentStore(Database, TimeProvider.System).ListAsync(10, default));
        Assert.Equal((IncidentSources.Drift, "m", "r"), (incident.Source, incident.Stream.Model, incident.Stream.Route));
    }

    [Fact]
    public async Task An_alert_whose_incident_cannot_be_written_is_not_stored_and_is_stored_whole_on_the_next_try()
    {
        var store = AlertStore();
        await using (var c = await Database.OpenAsync(default))
            await c.ExecuteAsync("ALTER TABLE incidents RENAME TO incidents_away");
        await Assert.ThrowsAnyAsync<Exception>(() => store.TryAddAsync(SimpleAlert("hourly"), default));
        await using (var c = await Database.OpenAsync(default))
            await c.ExecuteAsync("ALTER TABLE incidents_away RENAME TO incidents");
        Assert.Empty(await store.ListAsync(10, default));
        Assert.Empty(await new AlertOutbox(Database, TimeProvider.System).ListAsync(10, default));

        Assert.NotNull(await store.TryAddAsync(SimpleAlert("hourly"), default)); // the next pass raises it again
        Assert.Single(await store.ListAsync(10, default));
        Assert.Single(await new AlertOutbox(Database, TimeProvider.System).ListAsync(10, default), d => d.Kind == AlertKinds.DriftDetected);
        Assert.Single(await new IncidentStore(Database, TimeProvider.System).ListAsync(10, default));
    }

    [Fact]
    public async Task Migration_0005_keeps_every_alert_delivery_and_allows_only_the_new_kind_besides_the_old()
    {
        var outbox = new AlertOutbox(Database, TimeProvider.System);
        var id = await outbox.EnqueueAsync(AlertChannels.Webhook, AlertKinds.WeeklyReport, "{\"text\":\"w47\"}", null, "2026-W47", default);
        var before = Assert.Single(await outbox.ListAsync(10, default));
        var script = Migrations.SchemaMigrator.Scripts(Database.Kind).Single(m => m.Version.StartsWith("0005_", StringComparison.Ordinal)).Sql;

        await using (var c = await Database.OpenAsync(default))
            await c.ExecuteAsync(script); // again, on the migrated schema: as on a database that holds deliveries

        Assert.Equal(before, Assert.Single(await outbox.ListAsync(10, default)));
        Assert.True(await outbox.EnqueueAsync(AlertChannels.Bus, AlertKinds.DriftDetected, "{}", null, null, default) > id);
        await Assert.ThrowsAnyAsync<Exception>(() => outbox.EnqueueAsync(AlertChannels.Bus, "something-else", "{}", null, null, default));
    }

    private DriftAlertStore AlertStore() => new(Database, new IncidentRecorder(Database, TimeProvider.System, AlertSettings.None), TimeProvider.System);

    [Fact]
    public async Task A_shift_in_a_benign_direction_is_stored_as_a_notice_without_an_incident_and_a_rise_in_repetition_opens_one()
    {
        var store = AlertStore();
        var fell = new DriftFeatureShift("seqRep2", 0.4, 0.3, 1e-9, 0.12, 0.04, "repeated bigrams fell");
        var longer = new DriftFeatureShift("logLength", 0.3, 0.2, 1e-8, 5.0, 5.3, "answers 30% longer");
        var notice = await store.TryAddAsync(SimpleAlert("recent") with { Statistic = "ks", Features = [fell, longer] }, default);

        Assert.False(notice!.FailureDirection);
        Assert.Empty(await new IncidentStore(Database, TimeProvider.System).ListAsync(10, default));
        Assert.Single(await store.ListAsync(10, default));

        var rose = fell with { BaselineMean = 0.04, WindowMean = 0.12, Words = "repeated bigrams rose" };
        var alert = await store.TryAddAsync(SimpleAlert("hourly") with { Statistic = "ks", Features = [rose] }, default);
        Assert.True(alert!.FailureDirection);
        Assert.Single(await new IncidentStore(Database, TimeProvider.System).ListAsync(10, default));
    }

    private static DriftAlert SimpleAlert(string kind) =>
        new("m", "r", kind, Now.AddMinutes(-30), Now.AddMinutes(30), 500, "anomalous-share", 1e-9, 6.2, 0.031, 0.005, 3, [], "m / r: drift.");

    /// <summary>
    /// The bytes format 1 wrote for a model without an indicator baseline: format 2 is format 1 with the indicator block
    /// appended (here samples 0, rules -1), so format 1 is those bytes less the block, with the format field at 1.
    /// </summary>
    private static byte[] Format1(DriftModel model)
    {
        Assert.Null(model.Indicators);
        var bytes = DriftModelSerializer.ToBytes(model);
        Assert.Equal(-1, BitConverter.ToInt32(bytes, bytes.Length - 4));
        var v1 = bytes[..^8];
        BitConverter.GetBytes(1).CopyTo(v1, 4);
        return v1;
    }

    private static DriftModelProvenance Provenance(int samples) => new("test", Now.AddDays(-14), Now, samples, 0);

    private async Task InsertAsync(string id, string model, string route, DateTimeOffset at, OutputFeatures features, string stratum, string? verdict)
    {
        var db = Database;
        await using var c = await db.OpenAsync(default);
        await c.ExecuteAsync($"""
            INSERT INTO samples (sample_id, model, route, occurred_at, received_at, output, sampling_rate, flagged, features)
            VALUES (@id, @model, @route, @at, @at, 'x', 1, @flagged, {db.Json("features")})
            """, new { id, model, route, at, flagged = stratum == "flagged", features = JsonSerializer.Serialize(features, new JsonSerializerOptions(JsonSerializerDefaults.Web)) });
        var item = await c.ExecuteScalarAsync<long>("""
            INSERT INTO review_items (sample_id, model, route, stratum, inclusion_probability, state, created_at)
            VALUES (@id, @model, @route, @stratum, 0.02, 'done', @at) RETURNING item_id
            """, new { id, model, route, stratum, at });
        if (verdict is null)
            return;
        await c.ExecuteAsync("""
            INSERT INTO verdicts (item_id, sample_id, reviewer, verdict, blind, created_at, retracted_at)
            VALUES (@item, @id, 'ana', @v, @blind, @at, @retracted)
            """, new { item, id, v = verdict == "retracted-failure" ? "failure" : verdict, blind = false, at, retracted = verdict == "retracted-failure" ? at : (DateTimeOffset?)null });
    }

    private async Task CountIndicatorsAsync(string model, DateTimeOffset at, long samples, long looping, long? blank)
    {
        var hour = new DateTimeOffset(at.Year, at.Month, at.Day, at.Hour, 0, 0, TimeSpan.Zero);
        await using var c = await Database.OpenAsync(default);
        var rows = new List<object> { new { model, hour, indicator = "looping", samples, met = looping } };
        if (blank is { } b)
            rows.Add(new { model, hour, indicator = "blank", samples, met = b });
        await c.ExecuteAsync("INSERT INTO indicator_hour_counters (model, route, hour, indicator, samples, met) VALUES (@model, 'r', @hour, @indicator, @samples, @met)", rows);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

public sealed class SqliteDriftStoreTests : DriftStoreContractTests
{
    protected override StoreKind Kind => StoreKind.Sqlite;
}

public sealed class PostgresDriftStoreTests : DriftStoreContractTests
{
    protected override StoreKind Kind => StoreKind.Postgres;
}

public sealed class DriftModelPortabilityTests
{
    [Fact]
    public async Task A_model_saved_by_one_store_loads_from_the_other()
    {
        await using var postgres = await TestDatabase.CreateAsync(StoreKind.Postgres);
        await using var sqlite = await TestDatabase.CreateAsync(StoreKind.Sqlite);
        await postgres.Database.MigrateAsync(default);
        await sqlite.Database.MigrateAsync(default);
        var trained = DriftModelTrainer.Train("m", "r", DriftFeatures.Normal(7, 600));
        var provenance = new DriftModelProvenance("test", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 600, 0);

        await new DriftModelStore(sqlite.Database, TimeProvider.System).SaveAsync(trained, provenance, default);
        var fromSqlite = Assert.Single(await new DriftModelStore(sqlite.Database, TimeProvider.System).ActiveAsync(default));
        await new DriftModelStore(postgres.Database, TimeProvider.System).SaveAsync(fromSqlite, provenance, default);
        var fromPostgres = Assert.Single(await new DriftModelStore(postgres.Database, TimeProvider.System).ActiveAsync(default));

        Assert.Equal(DriftModelSerializer.ToBytes(trained), DriftModelSerializer.ToBytes(fromPostgres));
        foreach (var f in DriftFeatures.Normal(8, 100))
            Assert.Equal(trained.Score(f.ToVector()), fromPostgres.Score(f.ToVector()));
    }
}

/// <summary>Plausible feature records of ordinary prose.</summary>
internal static class DriftFeatures
{
    public static List<OutputFeatures> Normal(int seed, int count)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var chars = 100 + random.Next(2000);
            return new OutputFeatures
            {
                CharLength = chars, Utf8Bytes = chars, NonWhitespaceChars = (int)(chars * (0.8 + 0.05 * random.NextDouble())), WordCount = chars / 6,
                LineCount = 1 + random.Next(10), SeqRep1 = 0.3 + 0.1 * random.NextDouble(), SeqRep2 = 0.08 * random.NextDouble(),
                SeqRep4 = 0.02 * random.NextDouble(), RepeatedShare = 0.05 * random.NextDouble(), CompressionRatio = 1.6 + 0.3 * random.NextDouble(),
                LatinLetters = chars * 3 / 4,
            };
        }).ToList();
    }
}
