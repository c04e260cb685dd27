using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Auditor.Contracts;
using Auditor.Contracts.Events;
using Auditor.Detection;
using Auditor.Detection.Drift;
using Auditor.Review.Incidents;
using Auditor.Review.Routing;
using Auditor.Server.Drift;
using Auditor.Storage.Drift;
using Auditor.Storage.Incidents;
using Auditor.Storage.Samples;
using Auditor.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Auditor.Server.Tests;

/// <summary>Drift end to end in the server: train from stored uniform samples, score, test windows, alert on the API and the streams page.</summary>
public sealed class DriftTests : IAsyncLifetime
{
    private readonly AuditorApp _app = new(new() { ["Auditor:Drift:MonitorSeconds"] = "3600" });
    private readonly Random _random = new(5);
    private static readonly string[] Vocabulary = Enumerable.Range(0, 400).Select(i => new string((char)('a' + i % 26), 1 + i % 7) + (char)('a' + i / 26 % 26) + "n").ToArray();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_stream_without_a_model_abstains_and_one_trained_from_uniform_samples_is_used()
    {
        var registry = _app.Services.GetRequiredService<DetectorRegistry>();
        var before = registry.Inspect(Sample(Prose())).Results.Single(r => r.Detector == DriftAnomalyDetector.DetectorName);
        Assert.True(before.Abstained);

        await SeedBaselineAsync(400);
        var outcome = Assert.Single(await _app.Services.GetRequiredService<DriftModelJob>().TrainAsync("test", default));

        Assert.NotNull(outcome.Version);
        var normal = registry.Inspect(Sample(Prose())).Results.Single(r => r.Detector == DriftAnomalyDetector.DetectorName);
        var looping = registry.Inspect(Sample(Loop())).Results.Single(r => r.Detector == DriftAnomalyDetector.DetectorName);
        Assert.False(normal.Abstained);
        Assert.True(looping.Flagged, looping.Explanation);
    }

    [Fact]
    public async Task A_repetition_onset_is_alerted_on_the_api_and_the_streams_page()
    {
        await TrainedRegistryAsync();
        var published = new TaskCompletionSource<DriftDetected>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handle = _app.Services.GetRequiredService<IBus>().ConnectReceiveEndpoint("drift-test-" + Guid.NewGuid().ToString("N"),
            e => e.Handler<DriftDetected>(context => { published.TrySetResult(context.Message); return Task.CompletedTask; }));
        await handle.Ready;
        await AuditAsync(Enumerable.Range(0, 300).Select(i => Sample(i % 3 == 0 ? Loop() : Prose())).ToList());

        var raised = await _app.Services.GetRequiredService<DriftMonitor>().RunAsync(default);
        Assert.NotEmpty(raised);
        Assert.Empty(await _app.Services.GetRequiredService<DriftMonitor>().RunAsync(default)); // once per window
        var evt = await published.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((raised[0].AlertId, raised[0].Message), (evt.AlertId, evt.Message));
        Assert.NotEmpty(evt.Features);

        var client = _app.CreateIngestClient();
        var drift = await client.GetFromJsonAsync<JsonElement>("/api/v1/drift");
        var alert = drift.GetProperty("alerts")[0];
        Assert.Equal("anomalous-share", alert.GetProperty("statistic").GetString());
        Assert.Contains("rose from", alert.GetProperty("message").GetString());
        Assert.Equal(1, drift.GetProperty("models").GetArrayLength());
        var page = await client.GetStringAsync("/streams");
        Assert.Contains("data-testid=\"drift-alerts\"", page);
        // The alert also opened the stream's drift incident, onset at the window's start.
        var incidents = await client.GetFromJsonAsync<JsonElement>("/api/v1/incidents");
        Assert.Contains(incidents.EnumerateArray(), i => i.GetProperty("source").GetString() == "drift");
    }

    [Fact]
    public async Task Two_server_processes_on_one_database_score_with_the_same_model_version()
    {
        await TrainedRegistryAsync();
        var file = _app.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["ConnectionStrings:Sqlite"];
        await using var other = new AuditorApp(new() { ["ConnectionStrings:Sqlite"] = file, ["Auditor:Drift:MonitorSeconds"] = "3600" });
        await other.Services.GetRequiredService<DriftModelJob>().ReloadAsync(default);

        foreach (var output in new[] { Prose(), Prose(), Loop() })
        {
            var sample = Sample(output);
            var here = _app.Services.GetRequiredService<DetectorRegistry>().Inspect(sample).Results.Single(r => r.Detector == DriftAnomalyDetector.DetectorName);
            var there = other.Services.GetRequiredService<DetectorRegistry>().Inspect(sample).Results.Single(r => r.Detector == DriftAnomalyDetector.DetectorName);
            Assert.Equal((here.Score, here.Flagged), (there.Score, there.Flagged));
        }
        Assert.Equal(_app.Services.GetRequiredService<SwappableDriftModels>().Current.Values.Single().Version,
            other.Services.GetRequiredService<SwappableDriftModels>().Current.Values.Single().Version);
    }

    [Fact]
    public async Task A_pass_whose_incident_write_fails_stores_nothing_and_the_next_pass_stores_alert_incident_and_event()
    {
        await TrainedRegistryAsync();
        await AuditAsync(Enumerable.Range(0, 300).Select(i => Sample(i % 3 == 0 ? Loop() : Prose())).ToList());
        var monitor = _app.Services.GetRequiredService<DriftMonitor>();
        var store = _app.Services.GetRequiredService<DriftAlertStore>();
        var incidents = _app.Services.GetRequiredService<IncidentStore>();
        var outbox = _app.Services.GetRequiredService<AlertOutbox>();

        // The incidents table is out of reach for one pass (a real failure of the store, not a stand-in).
        await ExecuteAsync("ALTER TABLE incidents RENAME TO incidents_away");
        await Assert.ThrowsAnyAsync<Exception>(() => monitor.RunAsync(default));
        await ExecuteAsync("ALTER TABLE incidents_away RENAME TO incidents");
        Assert.Empty(await store.ListAsync(10, default));
        Assert.Empty(await incidents.ListAsync(10, default));

        var raised = await monitor.RunAsync(default); // the window counts are still there: the next pass raises the alerts again
        Assert.NotEmpty(raised);
        Assert.Single(await incidents.ListAsync(10, default), i => i.Source == IncidentSources.Drift);
        var events = (await outbox.ListAsync(20, default)).Where(d => d.Kind == AlertKinds.DriftDetected)
            .Select(d => JsonSerializer.Deserialize<DriftDetected>(d.Payload, AlertPayloads.Json)!.AlertId);
        Assert.Equal(raised.Select(a => a.AlertId).Order(), events.Order());
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = await _app.Services.GetRequiredService<Auditor.Storage.AuditorDatabase>().OpenAsync(default);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Stopping_the_monitor_job_flushes_the_window_counts_judged_since_the_last_pass()
    {
        await TrainedRegistryAsync();
        await AuditAsync(Enumerable.Range(0, 50).Select(_ => Sample(Prose())).ToList());
        var store = _app.Services.GetRequiredService<DriftWindowStore>();
        var from = DateTimeOffset.UtcNow.AddDays(-1);
        Assert.Empty(await store.ReadAsync(from, default)); // the monitor runs once an hour here: nothing flushed yet

        await _app.Services.GetServices<IHostedService>().OfType<DriftMonitorJob>().Single().StopAsync(default);

        Assert.Equal(50, (await store.ReadAsync(from, default)).Sum(s => s.Counts.Samples));
    }

    [Fact]
    public async Task Only_what_a_commit_counted_reaches_the_drift_windows_once()
    {
        await TrainedRegistryAsync();
        var sketches = _app.Services.GetRequiredService<DriftWindowSketches>();
        var samples = Enumerable.Range(0, 40).Select(_ => Sample(Prose())).ToList();

        // Judging alone changes nothing: detection has no side effects.
        foreach (var s in samples)
            _app.Services.GetRequiredService<DetectorRegistry>().Inspect(s);
        Assert.Equal(0, WindowSamples(sketches));

        await AuditAsync(samples);
        Assert.Equal(40, WindowSamples(sketches));
        // The same batch again (a redelivery after a lost acknowledgement) counts nothing, in the counters or the windows.
        await AuditAsync(samples);
        Assert.Equal(40, WindowSamples(sketches));
        // A batch whose commit fails reaches neither; its retry is then counted once.
        var retried = Enumerable.Range(0, 10).Select(_ => Sample(Prose())).ToList();
        await ExecuteAsync("ALTER TABLE stream_hour_counters RENAME TO stream_hour_counters_away");
        await Assert.ThrowsAnyAsync<Exception>(() => AuditAsync(retried));
        await ExecuteAsync("ALTER TABLE stream_hour_counters_away RENAME TO stream_hour_counters");
        Assert.Equal(40, WindowSamples(sketches));
        await AuditAsync(retried);
        Assert.Equal(50, WindowSamples(sketches));
    }

    private static int WindowSamples(DriftWindowSketches sketches) => sketches.Snapshot().Sum(s => s.Counts.Samples);

    /// <summary>Samples through the consumer's pipeline: judged, committed, then fed to in-process state.</summary>
    private Task AuditAsync(IReadOnlyList<OutputSample> samples) =>
        _app.Services.GetRequiredService<Auditor.Server.Auditing.SampleAuditPipeline>().ProcessAsync(
            samples.Select(s => new Auditor.Server.Auditing.IncomingSample(s, () => OutputSampleJson.Serialize(s))).ToList(), "test", default);

    /// <summary>Stores 400 uniform-stratum samples of ordinary prose, trains the stream's model, and returns the registry that scores with it.</summary>
    private async Task<DetectorRegistry> TrainedRegistryAsync()
    {
        await SeedBaselineAsync(400);
        await _app.Services.GetRequiredService<DriftModelJob>().TrainAsync("test", default);
        return _app.Services.GetRequiredService<DetectorRegistry>();
    }

    private async Task SeedBaselineAsync(int n)
    {
        var detectors = _app.Services.GetRequiredService<DetectorRegistry>();
        var at = DateTimeOffset.UtcNow.AddHours(-3);
        var samples = Enumerable.Range(0, n).Select(i => Sample(Prose()) with { OccurredAt = at.AddSeconds(i) }).ToList();
        await _app.Services.GetRequiredService<SampleBatchWriter>().CommitAsync(
            samples.Select(s => new AuditedSample(s, detectors.Inspect(s), new RoutingDecision(ReviewStratum.Uniform, 0.02))).ToList(), [], default);
    }

    private static OutputSample Sample(string output) => TestSamples.Valid(Guid.NewGuid().ToString("N"), output) with { OccurredAt = DateTimeOffset.UtcNow };

    private string Prose()
    {
        var text = new StringBuilder();
        var words = _random.Next(30, 150);
        for (var i = 0; i < words; i++)
        {
            text.Append(Vocabulary[_random.Next(Vocabulary.Length)]);
            text.Append(i % 12 == 11 ? ". " : " ");
        }
        return text.ToString().Trim() + ".";
    }

    private string Loop()
    {
        var sentence = Prose()[..40] + ". ";
        return Prose() + " " + string.Concat(Enumerable.Repeat(sentence, _random.Next(8, 20)));
    }
}
