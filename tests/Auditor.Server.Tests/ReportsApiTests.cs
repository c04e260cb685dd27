using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Auditor.Detection;
using Auditor.Review.Estimation;
using Auditor.Review.Reports;
using Auditor.Review.Routing;
using Auditor.Storage.Incidents;
using Auditor.Storage.Review;
using Auditor.Storage.Samples;
using Auditor.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Auditor.Server.Tests;

/// <summary>The weekly report over HTTP and in the UI, and the incident actions reviewers and admins take.</summary>
public sealed class ReportsApiTests : IAsyncLifetime
{
    private const string Hostile = "<script>alert('x')</script><img src=x onerror=alert(1)>";
    private readonly AuditorApp _app = new(new() { ["Auditor:Reports:Enabled"] = "false" });
    private static readonly IsoWeek Week = IsoWeek.LastComplete(DateTimeOffset.UtcNow);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>Flagged (finishReason length) samples in last week with hostile output, all reviewed as failures.</summary>
    private async Task SeedAsync()
    {
        var detectors = _app.Services.GetRequiredService<DetectorRegistry>();
        var samples = Enumerable.Range(0, 5).Select(i => TestSamples.Valid() with
        {
            OccurredAt = Week.StartUtc.AddDays(2).AddHours(i),
            Output = $"{Hostile} answer {i}",
            FinishReason = "length",
        }).ToList();
        await _app.Services.GetRequiredService<SampleBatchWriter>().CommitAsync(
            samples.Select(s => new AuditedSample(s, detectors.Inspect(s), new RoutingDecision(ReviewStratum.Flagged, 1.0))).ToList(), [], default);
        var queue = _app.Services.GetRequiredService<ReviewQueue>();
        while (await queue.ClaimAsync("admin", TimeSpan.FromMinutes(5), null, null, default) is { } item)
            await queue.SaveVerdictAsync(item.ItemId, "admin", Verdicts.Failure, "truncation", null, false, default);
    }

    [Fact]
    public async Task The_weekly_report_is_served_as_json_markdown_html_and_a_page_with_model_output_encoded()
    {
        await SeedAsync();
        var client = _app.CreateIngestClient();

        var json = await client.GetFromJsonAsync<JsonElement>($"/api/v1/reports/weekly?week={Week}");
        Assert.Equal(Week.ToString(), json.GetProperty("week").GetString());
        var stream = Assert.Single(json.GetProperty("streams").EnumerateArray().ToArray());
        Assert.Equal(5, stream.GetProperty("samples").GetInt64());
        Assert.Contains(Hostile, stream.GetProperty("examples")[0].GetProperty("output").GetString(), StringComparison.Ordinal);

        var md = await client.GetStringAsync($"/api/v1/reports/weekly.md?week={Week}");
        Assert.Contains($"# Silent failures, week {Week}", md, StringComparison.Ordinal);
        Assert.Contains($"/api/v1/reports/weekly/charts/summary.svg?week={Week}", md, StringComparison.Ordinal);
        var chart = await client.GetAsync($"/api/v1/reports/weekly/charts/0.svg?week={Week}");
        Assert.Equal("image/svg+xml", chart.Content.Headers.ContentType!.MediaType);

        foreach (var path in new[] { $"/api/v1/reports/weekly.html?week={Week}", $"/reports?week={Week}" })
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var html = await response.Content.ReadAsStringAsync();
            Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<img src=x", html, StringComparison.Ordinal);
            // The page runs the site's own script only; the standalone report none at all (its policy allows only its stylesheet).
            Assert.Contains(path.StartsWith("/api", StringComparison.Ordinal) ? "script-src 'none'" : "script-src 'self'",
                response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        }

        var bad = await client.GetAsync("/api/v1/reports/weekly?week=2026-W99");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task The_report_top_line_names_the_worst_deployment_and_recall_without_a_missed_failure_is_a_lower_bound()
    {
        // Two deployments of one stream, every sample reviewed (uniform, pi = 1): h100-fp8 never fails, h100-fp8-v2 fails 15 of 40.
        var detectors = _app.Services.GetRequiredService<DetectorRegistry>();
        var samples = Enumerable.Range(0, 80).Select(i => TestSamples.Valid($"dep-{i}", $"Paris is the capital, answer {i}.") with
        {
            OccurredAt = Week.StartUtc.AddDays(1).AddMinutes(i),
            Deployment = i < 40 ? "h100-fp8" : "h100-fp8-v2",
        }).ToList();
        await _app.Services.GetRequiredService<SampleBatchWriter>().CommitAsync(
            samples.Select(s => new AuditedSample(s, detectors.Inspect(s), new RoutingDecision(ReviewStratum.Uniform, 1.0))).ToList(), [], default);
        var queue = _app.Services.GetRequiredService<ReviewQueue>();
        while (await queue.ClaimAsync("admin", TimeSpan.FromMinutes(5), null, null, default) is { } item)
        {
            var n = int.Parse(item.SampleId["dep-".Length..], System.Globalization.CultureInfo.InvariantCulture);
            var failure = n >= 40 && n < 55;
            await queue.SaveVerdictAsync(item.ItemId, "admin", failure ? Verdicts.Failure : Verdicts.Ok, failure ? "truncation" : null, null, false, default);
        }

        var json = await _app.CreateIngestClient().GetFromJsonAsync<JsonElement>($"/api/v1/reports/weekly?week={Week}");

        var summary = json.GetProperty("summary");
        var topLine = summary.GetProperty("topLine").GetString()!;
        Assert.StartsWith("Silent-failure rate 18.8% (95% interval", topLine, StringComparison.Ordinal);
        Assert.Contains("worst deployment h100-fp8-v2 on llama-3.1-8b-instruct/chat/answer at 37.5%", topLine, StringComparison.Ordinal);
        Assert.Equal(topLine, summary.GetProperty("headline")[0].GetString());
        Assert.Equal(["h100-fp8", "h100-fp8-v2"], json.GetProperty("deployments").EnumerateArray().Select(d => d.GetProperty("deployment").GetString()));
        var comparison = Assert.Single(json.GetProperty("deploymentComparisons").EnumerateArray().ToArray());
        Assert.StartsWith("h100-fp8-v2 fails 37.5 points more often than h100-fp8 (+", comparison.GetProperty("words").GetString(), StringComparison.Ordinal);
        Assert.True(comparison.GetProperty("lower").GetDouble() > 0);
        // Nothing was flagged, so no failure was caught and none was seen missed among flagged ones: recall here is 0 with
        // evidence (failures found unflagged); the interval holds its point.
        var recall = summary.GetProperty("recall");
        Assert.False(recall.GetProperty("atLeast").GetBoolean());
        Assert.InRange(recall.GetProperty("value").GetDouble(), recall.GetProperty("lower").GetDouble(), recall.GetProperty("upper").GetDouble());
    }

    [Fact]
    public async Task Gold_items_added_by_an_admin_measure_the_reviewer_in_the_weekly_report()
    {
        var detectors = _app.Services.GetRequiredService<DetectorRegistry>();
        var samples = Enumerable.Range(0, 3).Select(i => TestSamples.Valid($"gold-{i}", $"Paris, answer {i}.") with { OccurredAt = Week.StartUtc.AddDays(2).AddMinutes(i) }).ToList();
        await _app.Services.GetRequiredService<SampleBatchWriter>().CommitAsync(
            samples.Select(s => new AuditedSample(s, detectors.Inspect(s), new RoutingDecision(ReviewStratum.Uniform, 1.0))).ToList(), [], default);
        var queue = _app.Services.GetRequiredService<ReviewQueue>();
        // The reviewer calls gold-0 a failure and misses gold-1; gold-2 is good and kept.
        while (await queue.ClaimAsync("admin", TimeSpan.FromMinutes(5), null, null, default) is { } item)
            await queue.SaveVerdictAsync(item.ItemId, "admin", item.SampleId == "gold-0" ? Verdicts.Failure : Verdicts.Ok, item.SampleId == "gold-0" ? "degeneration" : null, null, false, default);
        var client = _app.CreateIngestClient();

        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/v1/review/gold", new { sampleId = "gold-0", verdict = "failure", category = "degeneration" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/v1/review/gold", new { sampleId = "gold-1", verdict = "failure", category = "truncation" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/v1/review/gold", new { sampleId = "gold-2", verdict = "ok" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/review/gold", new { sampleId = "gold-2", verdict = "ok" })).StatusCode);
        var unsure = await client.PostAsJsonAsync("/api/v1/review/gold", new { sampleId = "gold-2", verdict = "unsure" });
        Assert.Equal(HttpStatusCode.BadRequest, unsure.StatusCode);
        Assert.Contains("ok or failure", await unsure.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/v1/review/gold", new { sampleId = "gold-1", verdict = "failure" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync("/api/v1/review/gold", new { sampleId = "no-such-sample", verdict = "ok" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/v1/review/gold", new { sampleId = "gold-0\0", verdict = "ok" })).StatusCode);
        // A lone surrogate, escaped in the JSON text (a serializer would have replaced it).
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/api/v1/review/gold",
            new StringContent("{\"sampleId\":\"gold-\\ud800\",\"verdict\":\"ok\"}", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(3, (await client.GetFromJsonAsync<JsonElement>("/api/v1/review/gold")).GetArrayLength());

        var json = await client.GetFromJsonAsync<JsonElement>($"/api/v1/reports/weekly?week={Week}");

        var reviewer = Assert.Single(json.GetProperty("notes").GetProperty("reviewers").EnumerateArray().ToArray());
        Assert.Equal("admin", reviewer.GetProperty("reviewer").GetString());
        Assert.Equal((2, 1, 1, 1, 3), (reviewer.GetProperty("failures").GetInt32(), reviewer.GetProperty("failuresCaught").GetInt32(),
            reviewer.GetProperty("oks").GetInt32(), reviewer.GetProperty("oksKept").GetInt32(), reviewer.GetProperty("gold").GetInt32()));
        Assert.Equal(0.5, reviewer.GetProperty("sensitivity").GetProperty("value").GetDouble(), 12);
        Assert.DoesNotContain(json.GetProperty("notes").GetProperty("reviewerWarnings").EnumerateArray(), w => w.GetString()!.StartsWith("No gold item", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_scheduled_run_stores_the_report_and_the_stored_copy_is_served()
    {
        var client = _app.CreateIngestClient();

        var run = await client.PostAsync($"/api/v1/reports/weekly/run?week={Week}", null);

        Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        var stored = await client.GetFromJsonAsync<JsonElement>($"/api/v1/reports/stored/{Week}");
        Assert.Equal(Week.ToString(), stored.GetProperty("week").GetString());
    }

    [Fact]
    public async Task Three_failures_of_one_category_confirmed_by_reviewers_open_an_incident_from_the_first_sample()
    {
        var detectors = _app.Services.GetRequiredService<DetectorRegistry>();
        var first = DateTimeOffset.UtcNow.AddHours(-6);
        var samples = Enumerable.Range(0, 3).Select(i => TestSamples.Valid() with { OccurredAt = first.AddHours(i), Output = "loop loop loop" }).ToList();
        await _app.Services.GetRequiredService<SampleBatchWriter>().CommitAsync(
            samples.Select(s => new AuditedSample(s, detectors.Inspect(s), new RoutingDecision(ReviewStratum.Uniform, 0.02))).ToList(), [], default);
        var queue = _app.Services.GetRequiredService<ReviewQueue>();
        while (await queue.ClaimAsync("admin", TimeSpan.FromMinutes(5), null, null, default) is { } item)
            await queue.SaveVerdictAsync(item.ItemId, "admin", Verdicts.Failure, "degeneration", null, true, default);
        var client = _app.CreateIngestClient();

        var scan = await client.PostAsync("/api/v1/incidents/scan", null);

        Assert.Equal(HttpStatusCode.OK, scan.StatusCode);
        var incidents = await client.GetFromJsonAsync<JsonElement>("/api/v1/incidents");
        var incident = Assert.Single(incidents.EnumerateArray().ToArray());
        Assert.Equal("reviews", incident.GetProperty("source").GetString());
        Assert.Equal("degeneration", incident.GetProperty("category").GetString());
        Assert.Equal(first.ToUnixTimeMilliseconds(), incident.GetProperty("onsetAt").GetDateTimeOffset().ToUnixTimeMilliseconds());
        // A second scan finds the same cluster and opens nothing new.
        await client.PostAsync("/api/v1/incidents/scan", null);
        Assert.Single((await client.GetFromJsonAsync<JsonElement>("/api/v1/incidents")).EnumerateArray().ToArray());
    }

    [Fact]
    public async Task Incidents_can_be_confirmed_merged_and_resolved()
    {
        var recorder = _app.Services.GetRequiredService<IncidentRecorder>();
        var stream = new StreamKey("m", "r");
        var drift = (await recorder.OpenFromDriftAsync(stream, DateTimeOffset.UtcNow.AddHours(-5), DateTimeOffset.UtcNow.AddHours(-4), "length fell", default)).Incident;
        var reviews = (await recorder.OpenAsync(new(stream, "reviews", "degeneration", DateTimeOffset.UtcNow.AddHours(-7), "reviewers", "3 loops"), default)).Incident;
        var client = _app.CreateIngestClient();

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync($"/api/v1/incidents/{drift.IncidentId}/confirm", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync($"/api/v1/incidents/{reviews.IncidentId}/merge", new { into = drift.IncidentId })).StatusCode);
        var merged = await client.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{drift.IncidentId}");
        Assert.Equal("confirmed", merged.GetProperty("status").GetString());
        Assert.Equal(reviews.OnsetAt, merged.GetProperty("onsetAt").GetDateTimeOffset());
        Assert.Equal("admin", merged.GetProperty("confirmedBy").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync($"/api/v1/incidents/{drift.IncidentId}/resolve", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/api/v1/incidents/{drift.IncidentId}/resolve", null)).StatusCode);

        var page = await client.GetStringAsync("/incidents");
        Assert.Contains($"id=\"incident-{drift.IncidentId}\"", page, StringComparison.Ordinal);
        Assert.Contains($"merged into {drift.IncidentId}", page, StringComparison.Ordinal);
    }
}
