using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Auditor.Contracts;
using Auditor.Review.Estimation;
using Auditor.Storage.Incidents;
using Auditor.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Auditor.Server.Tests;

/// <summary>The claim API's scope (stream, stratum, deployment, incident), its order, skip and the one-key preference, over real HTTP.</summary>
public sealed class ReviewScopeApiTests : IAsyncLifetime
{
    private readonly AuditorApp _app = new();
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _client = _app.CreateIngestClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>A sample the truncation detector flags (so it lands in the flagged stratum), in the given stream and deployment.</summary>
    private static OutputSample Flagged(string prefix, string model, string deployment, DateTimeOffset? at = null) =>
        TestSamples.Valid(id: ServerTestAccounts.NonUniformId(prefix + Guid.NewGuid().ToString("N")[..6]), output: "Step 1: open the settings. Step 2: choose")
            with { Model = model, Deployment = deployment, FinishReason = "length", OccurredAt = at ?? DateTimeOffset.UtcNow.AddMinutes(-1) };

    private static OutputSample Uniform(string prefix, string model) =>
        TestSamples.Valid(id: ServerTestAccounts.UniformId(prefix + Guid.NewGuid().ToString("N")[..6])) with { Model = model };

    private async Task IngestAsync(params OutputSample[] samples)
    {
        var response = await _client.PostAsync("/api/v1/samples",
            new StringContent(JsonSerializer.Serialize(samples, OutputSampleJson.Options), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        foreach (var sample in samples)
        {
            await Eventually.Get(async () => (await _client.GetAsync("/api/v1/samples?sampleId=" + Uri.EscapeDataString(sample.SampleId!))).StatusCode,
                s => s == HttpStatusCode.OK, what: $"sample {sample.SampleId} to be stored");
        }
    }

    private async Task<JsonElement?> ClaimAsync(string query = "", HttpClient? client = null)
    {
        var response = await (client ?? _client).PostAsync("/api/v1/review/claim" + query, null);
        if (response.StatusCode == HttpStatusCode.NoContent)
            return null;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task JudgeAsync(JsonElement claim) =>
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsJsonAsync($"/api/v1/review/{claim.GetProperty("itemId").GetInt64()}/verdict", new { verdict = "ok" })).StatusCode);

    private static string SampleIdOf(JsonElement claim) => claim.GetProperty("sample").GetProperty("sampleId").GetString()!;

    [Fact]
    public async Task A_scoped_claim_gives_only_items_of_its_stream_stratum_and_deployment_over_http()
    {
        var wanted = Enumerable.Range(0, 3).Select(_ => Flagged("a", "model-a", "d1")).ToArray();
        var otherDeployment = Enumerable.Range(0, 2).Select(_ => Flagged("b", "model-a", "d2")).ToArray();
        var uniform = Enumerable.Range(0, 2).Select(_ => Uniform("c", "model-a")).ToArray();
        var otherStream = Enumerable.Range(0, 2).Select(_ => Flagged("d", "model-b", "d1")).ToArray();
        // The other items first, so the oldest-first order alone would hand them out before the wanted ones.
        await IngestAsync([.. otherStream, .. otherDeployment, .. uniform]);
        await IngestAsync(wanted);
        const string scope = "?model=model-a&route=chat%2Fanswer&stratum=flagged&deployment=d1";

        var claimed = new List<string>();
        var left = new List<long>();
        while (await ClaimAsync(scope) is { } claim)
        {
            claimed.Add(SampleIdOf(claim));
            left.Add(claim.GetProperty("progress").GetProperty("left").GetInt64());
            Assert.Equal(3, claim.GetProperty("progress").GetProperty("total").GetInt64());
            Assert.False(claim.GetProperty("resumed").GetBoolean());
            await JudgeAsync(claim);
        }

        Assert.Equal(wanted.Select(s => s.SampleId).Order(), claimed.Order());
        Assert.Equal([3L, 2L, 1L], left);
        var blind = await ClaimAsync("?model=model-a&stratum=uniform");
        Assert.Contains(SampleIdOf(blind!.Value), uniform.Select(s => s.SampleId));
        Assert.True(blind.Value.GetProperty("blind").GetBoolean());
    }

    [Fact]
    public async Task A_claim_says_when_it_returns_the_held_item_and_gives_back_one_held_outside_its_scope()
    {
        var a = Flagged("held", "model-a", "d1");
        var b = Flagged("other", "model-b", "d1");
        await IngestAsync(a, b);

        var first = (await ClaimAsync("?model=model-a"))!.Value;
        var again = (await ClaimAsync("?model=model-a"))!.Value;
        var elsewhere = (await ClaimAsync("?model=model-b"))!.Value;

        Assert.Equal(a.SampleId, SampleIdOf(first));
        Assert.False(first.GetProperty("resumed").GetBoolean());
        Assert.Equal(first.GetProperty("itemId").GetInt64(), again.GetProperty("itemId").GetInt64());
        Assert.True(again.GetProperty("resumed").GetBoolean());
        Assert.Equal(b.SampleId, SampleIdOf(elsewhere));
        Assert.Equal(first.GetProperty("itemId").GetInt64(), elsewhere.GetProperty("releasedItemId").GetInt64());
        // The released item waits again for anyone.
        var other = _app.Services.GetRequiredService<Auditor.Storage.Review.ReviewQueue>();
        Assert.Equal(a.SampleId, (await other.ClaimAsync("someone-else", TimeSpan.FromMinutes(5), "model-a", null, default))?.SampleId);
    }

    [Fact]
    public async Task Flagged_items_of_an_open_incident_come_first_and_the_incident_scope_holds_only_its_items()
    {
        var now = DateTimeOffset.UtcNow;
        var healthyOld = Enumerable.Range(0, 3).Select(_ => Flagged("old", "model-calm", "d1", now.AddMinutes(-50))).ToArray();
        var beforeOnset = Flagged("pre", "model-loop", "d1", now.AddMinutes(-40));
        var incidentItems = Enumerable.Range(0, 2).Select(_ => Flagged("loop", "model-loop", "v2", now.AddMinutes(-5))).ToArray();
        await IngestAsync([.. healthyOld, beforeOnset]);
        await IngestAsync(incidentItems);
        var opened = await _app.Services.GetRequiredService<IncidentRecorder>()
            .OpenFromDriftAsync(new StreamKey("model-loop", "chat/answer"), now.AddMinutes(-20), now, "loops", default);
        var incidentId = opened.Incident.IncidentId;

        await _app.AddUserAsync("ana");
        var ana = _app.BasicClient("ana", ServerTestAccounts.ReviewerPassword);

        var inIncident = new List<string>();
        while (await ClaimAsync($"?incident={incidentId}", ana) is { } claim)
        {
            inIncident.Add(SampleIdOf(claim));
            Assert.Equal(HttpStatusCode.OK, (await ana.PostAsync($"/api/v1/review/{claim.GetProperty("itemId").GetInt64()}/skip", null)).StatusCode);
            if (inIncident.Count > 5)
                break;
        }
        var firstTwo = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var claim = (await ClaimAsync())!.Value;
            firstTwo.Add(SampleIdOf(claim));
            await JudgeAsync(claim);
        }

        // Ana's skips change only her order; the incident scope held only the incident's two items.
        Assert.Equal(incidentItems.Select(s => s.SampleId).Order(), inIncident.Take(2).Order());
        Assert.All(inIncident, id => Assert.Contains(id, incidentItems.Select(s => s.SampleId)));
        Assert.Equal(incidentItems.Select(s => s.SampleId).Order(), firstTwo.Order());
    }

    [Fact]
    public async Task A_skipped_item_comes_back_after_the_others_over_http()
    {
        var samples = Enumerable.Range(0, 3).Select(_ => Flagged("skip", "model-a", "d1")).ToArray();
        await IngestAsync(samples);

        var first = (await ClaimAsync())!.Value;
        var skip = await _client.PostAsync($"/api/v1/review/{first.GetProperty("itemId").GetInt64()}/skip", null);
        var order = new List<string>();
        while (await ClaimAsync() is { } claim)
        {
            order.Add(SampleIdOf(claim));
            await JudgeAsync(claim);
        }

        Assert.Equal(HttpStatusCode.OK, skip.StatusCode);
        Assert.Equal(3, order.Count);
        Assert.Equal(SampleIdOf(first), order[^1]);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PostAsync("/api/v1/review/999999/skip", null)).StatusCode);
    }

    [Theory]
    [InlineData("?stratum=bogus", "stratum")]
    [InlineData("?incident=abc", "incident")]
    [InlineData("?incident=-3", "incident")]
    [InlineData("?model=a%00b", "model")]
    [InlineData("?deployment=%01", "deployment")]
    public async Task A_claim_with_a_scope_that_makes_no_sense_is_refused_saying_which_parameter(string query, string parameter)
    {
        var response = await _client.PostAsync("/api/v1/review/claim" + query, null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(parameter, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_key_review_is_on_by_default_and_kept_with_the_account()
    {
        var initial = await _client.GetFromJsonAsync<JsonElement>("/api/v1/review/preferences");
        var off = await _client.PutAsJsonAsync("/api/v1/review/preferences", new { oneKeyReview = false });
        var after = await _client.GetFromJsonAsync<JsonElement>("/api/v1/review/preferences");
        var empty = await _client.PutAsJsonAsync("/api/v1/review/preferences", new { });

        Assert.True(initial.GetProperty("oneKeyReview").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        Assert.False(after.GetProperty("oneKeyReview").GetBoolean());
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
    }
}
