using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Auditor.Contracts;
using Auditor.Testing;

namespace Auditor.Server.Tests;

/// <summary>POST /api/v1/samples on the embedded default (in-memory transport, SQLite).</summary>
public sealed class HttpIntakeTests : IAsyncLifetime
{
    private readonly AuditorApp _app = new(new() { ["Auditor:Ingest:MaxBodyBytes"] = "20000" });
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _client = _app.CreateIngestClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body, OutputSampleJson.Options), Encoding.UTF8, "application/json");

    private async Task<JsonElement> WaitForStoredAsync(string sampleId) =>
        await Eventually.Get(async () =>
        {
            var response = await _client.GetAsync($"/api/v1/samples/{sampleId}");
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
        }, e => e.ValueKind == JsonValueKind.Object, what: $"sample {sampleId} to be stored");

    [Fact]
    public async Task Refuses_a_request_without_a_valid_api_key()
    {
        var anonymous = _app.CreateClient();
        var response = await anonymous.PostAsync("/api/v1/samples", Json(TestSamples.Valid()));
        anonymous.DefaultRequestHeaders.Add("X-Api-Key", "wrong");
        var wrong = await anonymous.PostAsync("/api/v1/samples", Json(TestSamples.Valid()));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Flags_an_empty_and_a_truncated_output_with_evidence_and_explanation()
    {
        var empty = TestSamples.Valid(output: "");
        var truncated = TestSamples.Valid(output: "Step 1: open the settings. Step 2: choose") with { FinishReason = "length" };

        var response = await _client.PostAsync("/api/v1/samples", Json(new[] { empty, truncated }));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, body.GetProperty("accepted").GetInt32());
        Assert.Equal(0, body.GetProperty("rejected").GetArrayLength());

        var storedEmpty = await WaitForStoredAsync(empty.SampleId!);
        var emptyResult = storedEmpty.GetProperty("detectorResults").EnumerateArray().Single(r => r.GetProperty("detector").GetString() == "empty");
        Assert.True(emptyResult.GetProperty("flagged").GetBoolean());
        Assert.Equal(1, emptyResult.GetProperty("evidence").GetArrayLength());
        Assert.Contains("empty", emptyResult.GetProperty("explanation").GetString(), StringComparison.Ordinal);

        var storedTruncated = await WaitForStoredAsync(truncated.SampleId!);
        var truncation = storedTruncated.GetProperty("detectorResults").EnumerateArray().Single(r => r.GetProperty("detector").GetString() == "truncation");
        Assert.True(truncation.GetProperty("flagged").GetBoolean());
        var span = truncation.GetProperty("evidence")[0];
        Assert.Equal(truncated.Output!.Length, span.GetProperty("start").GetInt32() + span.GetProperty("length").GetInt32());
        Assert.True(storedTruncated.GetProperty("flagged").GetBoolean());
    }

    [Fact]
    public async Task Rejects_each_bad_sample_by_index_with_every_rule_and_keeps_it()
    {
        var good = TestSamples.Valid();
        var bad = TestSamples.Valid() with { Route = null, SamplingRate = 0 };

        var response = await _client.PostAsync("/api/v1/samples", Json(new[] { good, bad }));

        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(1, body.GetProperty("accepted").GetInt32());
        var rejection = Assert.Single(body.GetProperty("rejected").EnumerateArray().ToList());
        Assert.Equal(1, rejection.GetProperty("index").GetInt32());
        Assert.Equal(bad.SampleId, rejection.GetProperty("sampleId").GetString());
        var rules = rejection.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("rule").GetString()).Order().ToList();
        Assert.Equal(["route.required", "samplingRate.range"], rules);

        var kept = Assert.Single(await _app.Database.RejectedAsync());
        Assert.Equal(("http", bad.SampleId), (kept.Source, kept.SampleId));
        Assert.Contains("route.required", kept.Errors, StringComparison.Ordinal);
        await Eventually.Get(() => _app.Database.CountedAsync([good.SampleId!]), n => n == 1, what: "the good sample to be counted");
    }

    [Fact]
    public async Task Accepts_NDJSON_and_rejects_only_the_malformed_line()
    {
        var a = TestSamples.Valid();
        var b = TestSamples.Valid();
        var body = $"{OutputSampleJson.Serialize(a)}\n{{\"sampleId\": \"broken\n\r\n{OutputSampleJson.Serialize(b)}\n";

        var response = await _client.PostAsync("/api/v1/samples", new StringContent(body, Encoding.UTF8, "application/x-ndjson"));

        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, json.GetProperty("accepted").GetInt32());
        var rejection = Assert.Single(json.GetProperty("rejected").EnumerateArray().ToList());
        Assert.Equal(1, rejection.GetProperty("index").GetInt32());
        Assert.Equal("json", rejection.GetProperty("errors")[0].GetProperty("rule").GetString());
        Assert.Contains("line 2", rejection.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        await Eventually.Get(() => _app.Database.CountedAsync([a.SampleId!, b.SampleId!]), n => n == 2, what: "both good lines to be counted");
    }

    [Fact]
    public async Task Answers_malformed_JSON_with_problem_details()
    {
        var response = await _client.PostAsync("/api/v1/samples", new StringContent("{\"sampleId\": ", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Malformed JSON", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Answers_413_past_the_configured_body_size()
    {
        var big = TestSamples.Valid(output: new string('a', 25_000));

        var response = await _client.PostAsync("/api/v1/samples", Json(big));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Counts_a_resent_sample_once()
    {
        var sample = TestSamples.Valid(output: "") with { Route = "resend/" + Guid.NewGuid().ToString("N") };

        await _client.PostAsync("/api/v1/samples", Json(sample));
        await _client.PostAsync("/api/v1/samples", Json(new[] { sample, sample }));
        await WaitForStoredAsync(sample.SampleId!);
        await Task.Delay(500); // let any (wrong) second count land before looking

        Assert.Equal(1, await _app.Database.StreamTotalAsync(sample.Route));
    }

    [Fact]
    public async Task Lists_streams_with_counts_and_flag_rates_split_by_deployment()
    {
        var route = "streams/" + Guid.NewGuid().ToString("N");
        await _client.PostAsync("/api/v1/samples", Json(new[]
        {
            TestSamples.Valid() with { Route = route, Deployment = "h100-fp8" },
            TestSamples.Valid(output: "") with { Route = route, Deployment = "h100-fp8-v2" },
        }));

        var stream = await Eventually.Get(async () =>
        {
            var all = await _client.GetFromJsonAsync<JsonElement>("/api/v1/streams");
            return all.EnumerateArray().FirstOrDefault(s => s.GetProperty("route").GetString() == route);
        }, s => s.ValueKind == JsonValueKind.Object && s.GetProperty("total").GetInt64() == 2, what: "the stream to show 2 samples");

        Assert.Equal(1, stream.GetProperty("flagged").GetInt64());
        Assert.Equal(0.5, stream.GetProperty("flagRate").GetDouble());
        // Split by deployment: the blank answer came from the new build.
        var deployments = stream.GetProperty("deployments").EnumerateArray()
            .Select(d => (d.GetProperty("deployment").GetString(), d.GetProperty("total").GetInt64(), d.GetProperty("flagged").GetInt64(), d.GetProperty("flagRate").GetDouble()))
            .ToList();
        Assert.Equal([("h100-fp8", 1L, 0L, 0.0), ("h100-fp8-v2", 1L, 1L, 1.0)], deployments);
    }

    [Fact]
    public async Task Says_why_a_counted_but_unstored_sample_is_not_found()
    {
        var plain = TestSamples.Valid() with { SampleId = "plain-" + Guid.NewGuid().ToString("N") };
        await _client.PostAsync("/api/v1/samples", Json(plain));
        await Eventually.Get(() => _app.Database.CountedAsync([plain.SampleId!]), n => n == 1, what: "the sample to be counted");

        var response = await _client.GetAsync($"/api/v1/samples/{plain.SampleId}");

        // Stored only if the 2% uniform draw picked it; either way the answer must say which.
        if (response.StatusCode == HttpStatusCode.NotFound)
            Assert.Contains("counted but its text was not kept", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        else
            Assert.Equal("uniform", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reviewItem").GetProperty("stratum").GetString());
    }

    [Fact]
    public async Task Reports_ready_when_store_and_bus_answer()
    {
        var response = await _client.GetAsync("/health/ready");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("store").GetProperty("status").GetString());
        Assert.True(body.GetProperty("checks").EnumerateObject().Count() >= 2, "the transport is checked too");
    }
}
