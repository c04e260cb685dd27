using System.Net.Http.Json;
using System.Text.Json;
using Auditor.Contracts;
using Auditor.Review.Routing;
using Auditor.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Auditor.Server.Tests;

/// <summary>Tests that share the broker's fixed queue run one at a time.</summary>
[CollectionDefinition("broker", DisableParallelization = true)]
public sealed class BrokerCollection;

/// <summary>A fresh PostgreSQL database and an empty samples queue for each broker test.</summary>
[Collection("broker")]
public abstract class BrokerTest : IAsyncLifetime
{
    protected PostgresTestDatabase Database { get; private set; } = null!;
    protected RawPublisher Publisher { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await PostgresTestDatabase.CreateAsync();
        Publisher = await RawPublisher.ConnectAsync();
        await Publisher.PurgeAsync();
    }

    public async Task DisposeAsync()
    {
        await Publisher.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>The production shape: samples on RabbitMQ, state in PostgreSQL.</summary>
public sealed class RabbitMqPipelineTests : BrokerTest
{
    [Fact]
    public async Task A_raw_JSON_sample_from_a_plain_AMQP_client_is_counted_in_PostgreSQL_and_stored_when_flagged_or_selected()
    {
        const double uniform = 0.3;
        await using var app = AuditorApp.OnBrokerAndPostgres(Database, new() { ["Auditor:Review:UniformFraction"] = uniform.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        _ = app.Server; // start the host: consumer, topology
        var samples = Enumerable.Range(0, 60).Select(i => TestSamples.Valid(output: i % 4 == 0 ? "" : "A fine answer.")).ToList();

        // Half with content_type application/json, half with none: a plain client may leave it out.
        for (var i = 0; i < samples.Count; i++)
            await Publisher.PublishRawAsync(OutputSampleJson.Serialize(samples[i]), samples[i].SampleId!, i % 2 == 0 ? "application/json" : null);

        await Eventually.Get(() => app.Database.CountedAsync(samples.Select(s => s.SampleId!)), n => n == samples.Count, what: "all samples counted");
        foreach (var s in samples)
        {
            var flagged = s.Output == "";
            var selected = ReviewRouter.Route(s.SampleId!, flagged, new ReviewFractions(uniform, 1.0)).Selected;
            Assert.Equal(flagged || selected, await app.Database.IsStoredAsync(s.SampleId!));
        }
    }

    [Fact]
    public async Task Samples_published_while_the_server_is_down_are_all_processed_after_it_starts()
    {
        var samples = Enumerable.Range(0, 500).Select(_ => TestSamples.Valid()).ToList();
        foreach (var s in samples)
            await Publisher.PublishAsync(s);

        await using var app = AuditorApp.OnBrokerAndPostgres(Database);
        _ = app.Server;

        await Eventually.Get(() => app.Database.CountedAsync(samples.Select(s => s.SampleId!)), n => n == samples.Count,
            within: TimeSpan.FromSeconds(60), what: "all 500 queued samples counted");
    }

    [Fact]
    public async Task The_same_sample_id_delivered_twice_counts_once()
    {
        await using var app = AuditorApp.OnBrokerAndPostgres(Database);
        _ = app.Server;
        var route = "dup/" + Guid.NewGuid().ToString("N");
        var sample = TestSamples.Valid(output: "") with { Route = route };
        var marker = TestSamples.Valid() with { Route = route };

        await Publisher.PublishAsync(sample);
        await Publisher.PublishAsync(sample);
        await Publisher.PublishAsync(marker);

        await Eventually.Get(() => app.Database.CountedAsync([sample.SampleId!, marker.SampleId!]), n => n == 2, what: "both ids counted");
        await Task.Delay(500);
        Assert.Equal(2, await app.Database.StreamTotalAsync(route));
        var stored = await app.CreateIngestClient().GetFromJsonAsync<JsonElement>($"/api/v1/samples/{sample.SampleId}");
        Assert.Equal("", stored.GetProperty("output").GetString());
    }

    [Fact]
    public async Task A_sample_that_breaks_the_contract_is_kept_with_its_rules_and_the_consumer_keeps_going()
    {
        await using var app = AuditorApp.OnBrokerAndPostgres(Database);
        _ = app.Server;
        var bad = TestSamples.Valid() with { Model = "", OccurredAt = DateTimeOffset.UtcNow.AddHours(1), FinishReason = "eos" };
        var after = TestSamples.Valid();

        await Publisher.PublishAsync(bad);
        await Publisher.PublishAsync(after);

        await Eventually.Get(() => app.Database.CountedAsync([after.SampleId!]), n => n == 1, what: "the valid sample after the bad one");
        var rejected = await Eventually.Get(() => app.Database.RejectedAsync(), r => r.Count == 1, what: "the bad sample to be kept");
        var row = rejected[0];
        Assert.Equal(("rabbitmq", bad.SampleId), (row.Source, row.SampleId));
        foreach (var rule in new[] { "model.required", "occurredAt.future", "finishReason.value" })
            Assert.Contains(rule, row.Errors, StringComparison.Ordinal);
        Assert.Equal(OutputSampleJson.Serialize(bad), row.Payload);
    }

    [Fact]
    public async Task A_body_that_is_not_JSON_goes_to_the_error_queue_and_one_of_wrong_types_is_rejected_like_any_broken_rule()
    {
        await using var app = AuditorApp.OnBrokerAndPostgres(Database);
        _ = app.Server;
        var after = TestSamples.Valid();

        await Publisher.PublishRawAsync("this is not json {", "garbage-1");
        await Publisher.PublishRawAsync("""{"sampleId":"typed-1","occurredAt":"last tuesday","model":"m","route":"r","output":"x"}""", "typed-1");
        await Publisher.PublishAsync(after);

        await Eventually.Get(() => app.Database.CountedAsync([after.SampleId!]), n => n == 1, what: "the valid sample after the bad ones");
        var rejected = await Eventually.Get(() => app.Database.RejectedAsync(), r => r.Count == 2, what: "both bad messages kept");
        Assert.Contains(rejected, r => r.Payload == "this is not json {");
        var typed = Assert.Single(rejected, r => r.SampleId == "typed-1");
        Assert.Contains("occurredAt", typed.Errors, StringComparison.Ordinal);
        // Text that is not JSON cannot be read at all: MassTransit moves it to the error queue. JSON with a field of the
        // wrong type is read by the contract's reader, as over HTTP, and rejected by the consumer's own transaction.
        var errors = await Eventually.Get(() => Publisher.ErrorQueueDepthAsync(), n => n >= 1, what: "the text in the error queue");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(1u, errors);
        Assert.Equal(1u, await Publisher.ErrorQueueDepthAsync());
    }

    [Fact]
    public async Task Committed_samples_are_acknowledged_in_batches_while_running_and_none_is_left_unacknowledged_at_stop()
    {
        // Prefetch 20 (batches of 10, two at once): 300 samples are all consumed only if the acks of committed batches
        // reach the broker while the server runs, since unacknowledged deliveries hold the prefetch.
        var small = new Dictionary<string, string?> { ["Auditor:Consumer:BatchSize"] = "10", ["Auditor:Consumer:ConcurrentBatches"] = "2" };
        var samples = Enumerable.Range(0, 300).Select(_ => TestSamples.Valid()).ToList();
        await using (var app = AuditorApp.OnBrokerAndPostgres(Database, small))
        {
            _ = app.Server;
            foreach (var s in samples)
                await Publisher.PublishAsync(s);
            await Eventually.Get(() => app.Database.CountedAsync(samples.Select(s => s.SampleId!)), n => n == samples.Count,
                within: TimeSpan.FromSeconds(60), what: "all 300 samples counted");
        }

        // Stopped: a delivery left unacknowledged would be back in the queue now.
        Assert.Equal(0u, await Publisher.QueueDepthAsync());
    }

    [Fact]
    public async Task Samples_posted_over_HTTP_travel_through_RabbitMQ_in_the_MassTransit_envelope()
    {
        await using var app = AuditorApp.OnBrokerAndPostgres(Database);
        var samples = Enumerable.Range(0, 20).Select(_ => TestSamples.Valid()).ToList();

        var response = await app.CreateIngestClient().PostAsJsonAsync("/api/v1/samples", samples, OutputSampleJson.Options);

        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        await Eventually.Get(() => app.Database.CountedAsync(samples.Select(s => s.SampleId!)), n => n == samples.Count, what: "all HTTP samples counted");
    }
}

/// <summary>Two consumer processes on one queue: a threshold set through one is used by both within seconds.</summary>
public sealed class ThresholdReloadTests : BrokerTest
{
    [Fact]
    public async Task Every_consumer_picks_up_a_new_threshold_without_restart()
    {
        var everything = new Dictionary<string, string?> { ["Auditor:Review:UniformFraction"] = "1" };
        await using var first = AuditorApp.OnBrokerAndPostgres(Database, everything);
        await using var second = AuditorApp.OnBrokerAndPostgres(Database, everything);
        _ = first.Server;
        _ = second.Server;
        var model = TestSamples.Valid().Model!;
        var route = TestSamples.Valid().Route!;

        var set = await first.CreateIngestClient().PostAsJsonAsync("/api/v1/thresholds", new { detector = "empty", model, route, threshold = 1.5, reason = "test" });
        Assert.Equal(System.Net.HttpStatusCode.OK, set.StatusCode);

        foreach (var app in new[] { first, second })
            await Eventually.Get(() => Task.FromResult(app.Services.GetRequiredService<Auditor.Detection.CalibratedDetectorSettings>().Overrides.GetValueOrDefault(("empty", model, route))),
                t => t == 1.5, TimeSpan.FromSeconds(10), "both processes to hold the new threshold");
        var samples = Enumerable.Range(0, 40).Select(_ => TestSamples.Valid(output: "")).ToList();
        foreach (var s in samples)
            await Publisher.PublishAsync(s);

        await Eventually.Get(() => first.Database.CountedAsync(samples.Select(s => s.SampleId!)), n => n == samples.Count, what: "all samples counted");
        var reader = first.Services.GetRequiredService<Auditor.Storage.Samples.SampleReader>();
        foreach (var s in samples)
        {
            var empty = (await reader.GetAsync(s.SampleId!, default))!.DetectorResults.Single(r => r.Detector == "empty");
            Assert.Equal((1.5, false), (empty.Threshold, empty.Flagged));
        }
    }
}
