using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Auditor.Contracts;
using Auditor.Testing;
using Dapper;
using Xunit.Abstractions;

namespace Auditor.Server.Tests.Pipeline;

/// <summary>
/// Tests that read /metrics run alone: a MeterListener hears every meter of the process, so a host started by another
/// test at the same time would add its "Auditor" instruments to this host's scrape (one host per process in production).
/// </summary>
[CollectionDefinition("metrics", DisableParallelization = true)]
public sealed class MetricsCollection;

/// <summary>
/// POST /api/v1/samples on the embedded default through the real host: a 202 means committed, a saturated pipeline
/// answers 503 with Retry-After instead of buffering, and /health/ready, /metrics and the streams page turn red on a
/// stall and green after it. The stall is real: a test connection holds SQLite's write lock.
/// </summary>
[Collection("metrics")]
public sealed class DurableIntakeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly AuditorApp _app = new(new()
    {
        ["Auditor:Pipeline:MaxPendingSamples"] = "100",
        ["Auditor:Pipeline:StallSeconds"] = "2",
        ["Auditor:Pipeline:RetryAfterSeconds"] = "3",
        ["Auditor:Pipeline:AcceptTimeoutSeconds"] = "120",
        ["Auditor:Metrics:StreamRefreshSeconds"] = "1",
    });
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _client = _app.CreateIngestClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body, OutputSampleJson.Options), Encoding.UTF8, "application/json");

    private static List<OutputSample> Samples(string prefix, int n, string route = "durable/test") =>
        Enumerable.Range(0, n).Select(i => TestSamples.Valid($"{prefix}-{i:D4}", $"Answer {i}: the parcel ships on day {i % 7}.") with { Route = route }).ToList();

    private async Task<(HttpStatusCode Status, JsonElement Pipeline)> ReadyAsync()
    {
        var response = await _client.GetAsync("/health/ready");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (response.StatusCode, body.GetProperty("checks").GetProperty("pipeline"));
    }

    [Fact]
    public async Task Answers_202_only_after_the_samples_are_committed()
    {
        var samples = Samples("committed", 300);

        var response = await _client.PostAsync("/api/v1/samples", Json(samples));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        // No waiting: what was acknowledged is in the store already.
        Assert.Equal(300, await _app.Database.CountedAsync(samples.Select(s => s.SampleId!)));
        Assert.Equal(300, await _app.Database.StreamTotalAsync("durable/test"));
    }

    [Fact]
    public async Task Commits_many_concurrent_one_sample_requests_in_shared_transactions()
    {
        var samples = Samples("single", 100); // at most MaxPendingSamples wait, so none is refused

        // Commits wait on SQLite's write lock until all 100 requests wait, so they meet in the queue however fast this
        // machine commits (unheld, a quick commit could take each request alone before the next one arrived).
        HttpStatusCode[] statuses;
        await using (var locker = await _app.Database.OpenAsync(default))
        {
            await locker.ExecuteAsync("BEGIN IMMEDIATE");
            var posts = samples.Select(s => _client.PostAsync("/api/v1/samples", Json(s)).ContinueWith(t => t.Result.StatusCode)).ToArray();
            await Eventually.Get(ReadyAsync, r => r.Pipeline.GetProperty("data").GetProperty("pendingSamples").GetInt64() == 100,
                TimeSpan.FromSeconds(20), "all 100 requests to wait");
            await locker.ExecuteAsync("ROLLBACK");
            statuses = await Task.WhenAll(posts);
        }

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Accepted, s));
        Assert.Equal(100, await _app.Database.CountedAsync(samples.Select(s => s.SampleId!)));
        var metrics = await _app.CreateClient().GetStringAsync("/metrics");
        var batches = MetricValue(metrics, "auditor_batches_committed_total", "source=\"http\"");
        output.WriteLine($"100 one-sample requests committed in {batches} batches");
        // Each commit loop (two) may have taken one batch before the lock held it; the rest share the next commits.
        Assert.True(batches <= 10, $"the waiting requests were not committed together ({batches} batches for 100 requests)");
    }

    [Fact]
    public async Task Refuses_with_503_and_Retry_After_when_saturated_turns_ready_red_on_a_stall_and_green_after_it()
    {
        Assert.Equal(HttpStatusCode.Accepted, (await _client.PostAsync("/api/v1/samples", Json(Samples("warm", 1)))).StatusCode);
        var first = Samples("held-a", 50);
        var second = Samples("held-b", 50);
        var refusedSamples = Samples("refused", 10);

        await using var locker = await _app.Database.OpenAsync(default);
        await locker.ExecuteAsync("BEGIN IMMEDIATE"); // SQLite's write lock: every commit now waits
        var stalledAt = Stopwatch.StartNew();
        var held = new[] { _client.PostAsync("/api/v1/samples", Json(first)), _client.PostAsync("/api/v1/samples", Json(second)) };
        var red = await Eventually.Get(ReadyAsync, r => r.Status == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(20), "/health/ready to turn red");
        var toRed = stalledAt.Elapsed;
        var refused = await _client.PostAsync("/api/v1/samples", Json(refusedSamples));
        var page = await _client.GetStringAsync("/streams");

        await locker.ExecuteAsync("ROLLBACK");
        var released = Stopwatch.StartNew();
        var answers = await Task.WhenAll(held);
        var green = await Eventually.Get(ReadyAsync, r => r.Status == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "/health/ready to turn green");
        output.WriteLine($"stall to red {toRed.TotalSeconds:F1} s (StallSeconds 2); release to green {released.Elapsed.TotalSeconds:F1} s");

        Assert.Equal("Unhealthy", red.Pipeline.GetProperty("status").GetString());
        Assert.Contains("stalled", red.Pipeline.GetProperty("data").GetProperty("findings").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(100, red.Pipeline.GetProperty("data").GetProperty("pendingSamples").GetInt64());
        Assert.Contains("Pipeline unhealthy: stalled: 100 samples wait", page);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("3", refused.Headers.RetryAfter?.ToString());
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Pipeline saturated", problem.GetProperty("title").GetString());

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.StatusCode));
        Assert.Equal("Healthy", green.Pipeline.GetProperty("status").GetString());
        Assert.Equal(100, await _app.Database.CountedAsync(first.Concat(second).Select(s => s.SampleId!)));
        Assert.Equal(0, await _app.Database.CountedAsync(refusedSamples.Select(s => s.SampleId!)));
        var metrics = await _app.CreateClient().GetStringAsync("/metrics");
        Assert.Equal(1, MetricValue(metrics, "auditor_intake_refused_total", "reason=\"saturated\""));
    }

    [Fact]
    public async Task Metrics_are_served_anonymously_and_move_with_the_traffic()
    {
        var anonymous = _app.CreateClient();
        var before = await anonymous.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        var counted0 = MetricValue(await before.Content.ReadAsStringAsync(), "auditor_samples_counted_total", "source=\"http\"");

        var samples = Samples("metrics", 20, route: "durable/metrics");
        var invalid = new { sampleId = "metrics-bad", occurredAt = DateTimeOffset.UtcNow, route = "durable/metrics", output = "x" };
        Assert.Equal(HttpStatusCode.Accepted, (await _client.PostAsync("/api/v1/samples", Json(samples.Cast<object>().Append(invalid).ToList()))).StatusCode);

        var text = await Eventually.Get(() => anonymous.GetStringAsync("/metrics"),
            t => t.Contains("auditor_stream_counted_total{model=\"gpt-test\",otel_scope_name=\"Auditor\",route=\"durable/metrics\"}", StringComparison.Ordinal)
                 || t.Contains("route=\"durable/metrics\"", StringComparison.Ordinal),
            TimeSpan.FromSeconds(15), "per-stream totals in /metrics");
        Assert.Equal(counted0 + 20, MetricValue(text, "auditor_samples_counted_total", "source=\"http\""));
        Assert.Equal(1, MetricValue(text, "auditor_samples_rejected_total", "rule=\"model.required\""));
        Assert.Equal(20, MetricValue(text, "auditor_stream_counted_total", "route=\"durable/metrics\""));
        Assert.True(MetricValue(text, "auditor_commit_duration_seconds_count", "source=\"http\"") >= 1);
        Assert.Contains("auditor_pipeline_status{", text);
    }

    /// <summary>The value of the one series of <paramref name="name"/> whose labels contain <paramref name="label"/>; 0 when absent.</summary>
    private static double MetricValue(string exposition, string name, string label)
    {
        var line = exposition.Split('\n').SingleOrDefault(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains(label, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
