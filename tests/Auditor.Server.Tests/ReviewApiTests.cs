using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Auditor.Contracts;
using Auditor.Storage.Review;
using Auditor.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Auditor.Server.Tests;

/// <summary>Scripted review through the HTTP API with the default settings: claim, verdict, undo, for blind and flagged items.</summary>
public sealed class ReviewApiTests : IAsyncLifetime
{
    private readonly AuditorApp _app = new();
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _client = _app.CreateIngestClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task IngestAndWaitStoredAsync(OutputSample sample)
    {
        var response = await _client.PostAsync("/api/v1/samples",
            new StringContent(JsonSerializer.Serialize(sample, OutputSampleJson.Options), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Eventually.Get(async () => (await _client.GetAsync("/api/v1/samples?sampleId=" + Uri.EscapeDataString(sample.SampleId!))).StatusCode,
            s => s == HttpStatusCode.OK, what: $"sample {sample.SampleId} to be stored");
    }

    private async Task<JsonElement> ClaimAsync()
    {
        var response = await _client.PostAsync("/api/v1/review/claim", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private Task<HttpResponseMessage> VerdictAsync(long itemId, object body) => _client.PostAsJsonAsync($"/api/v1/review/{itemId}/verdict", body);

    [Fact]
    public async Task A_blind_uniform_item_is_claimed_judged_undone_and_judged_again_over_http()
    {
        var sample = TestSamples.Valid(id: ServerTestAccounts.UniformId("blind"));
        await IngestAndWaitStoredAsync(sample);

        var claim = await ClaimAsync();
        var itemId = claim.GetProperty("itemId").GetInt64();
        Assert.True(claim.GetProperty("blind").GetBoolean());
        Assert.Equal("uniform", claim.GetProperty("stratum").GetString());
        Assert.Equal(sample.SampleId, claim.GetProperty("sample").GetProperty("sampleId").GetString());
        Assert.Equal(0, claim.GetProperty("sample").GetProperty("detectorResults").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, claim.GetProperty("sample").GetProperty("features").ValueKind);
        Assert.Equal(JsonValueKind.Null, claim.GetProperty("sample").GetProperty("flagged").ValueKind);
        Assert.Equal(itemId, (await ClaimAsync()).GetProperty("itemId").GetInt64()); // the held item again

        Assert.Equal(HttpStatusCode.OK, (await VerdictAsync(itemId, new { verdict = "ok" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.PostAsync("/api/v1/review/claim", null)).StatusCode);

        var undo = await _client.PostAsync("/api/v1/review/undo", null);
        Assert.Equal(HttpStatusCode.OK, undo.StatusCode);
        Assert.Equal(itemId, (await undo.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("itemId").GetInt64());
        var again = await ClaimAsync();
        Assert.Equal(itemId, again.GetProperty("itemId").GetInt64());
        Assert.True(again.GetProperty("blind").GetBoolean());

        var second = await VerdictAsync(itemId, new { verdict = "failure", category = "factually_wrong", note = "wrong capital" });
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var verdicts = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("failure", verdicts.EnumerateArray().Single().GetProperty("verdict").GetString());
        Assert.True(verdicts.EnumerateArray().Single().GetProperty("blind").GetBoolean());
        Assert.Equal(HttpStatusCode.NoContent, (await _client.PostAsync("/api/v1/review/claim", null)).StatusCode);
    }

    [Fact]
    public async Task A_flagged_item_is_claimed_with_its_detector_results_judged_and_undone_over_http()
    {
        var sample = TestSamples.Valid(id: ServerTestAccounts.NonUniformId("flagged"), output: "Step 1: open the settings. Step 2: choose") with { FinishReason = "length" };
        await IngestAndWaitStoredAsync(sample);

        var claim = await ClaimAsync();
        var itemId = claim.GetProperty("itemId").GetInt64();
        Assert.False(claim.GetProperty("blind").GetBoolean());
        Assert.Equal("flagged", claim.GetProperty("stratum").GetString());
        Assert.True(claim.GetProperty("sample").GetProperty("flagged").GetBoolean());
        Assert.Contains(claim.GetProperty("sample").GetProperty("detectorResults").EnumerateArray(),
            r => r.GetProperty("detector").GetString() == "truncation" && r.GetProperty("flagged").GetBoolean());
        Assert.Equal(JsonValueKind.Object, claim.GetProperty("sample").GetProperty("features").ValueKind);

        Assert.Equal(HttpStatusCode.OK, (await VerdictAsync(itemId, new { verdict = "failure", category = "truncation" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("/api/v1/review/undo", null)).StatusCode);
        Assert.Equal(itemId, (await ClaimAsync()).GetProperty("itemId").GetInt64());
        var verdicts = await (await VerdictAsync(itemId, new { verdict = "ok" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("ok", verdicts.EnumerateArray().Single().GetProperty("verdict").GetString());
        Assert.False(verdicts.EnumerateArray().Single().GetProperty("blind").GetBoolean());
    }

    [Fact]
    public async Task Undo_with_nothing_to_undo_says_so()
    {
        var response = await _client.PostAsync("/api/v1/review/undo", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_claim_whose_answer_cannot_be_made_leaves_no_lease_behind()
    {
        var sample = TestSamples.Valid(id: ServerTestAccounts.UniformId("unreadable"));
        await IngestAndWaitStoredAsync(sample);
        // The item's stored row cannot be read back (its features are not JSON): the answer cannot be built.
        await using (var c = await _app.Database.OpenAsync(default))
            await Dapper.SqlMapper.ExecuteAsync(c, "UPDATE samples SET features = '{' WHERE sample_id = @id", new { id = sample.SampleId });

        var response = await _client.PostAsync("/api/v1/review/claim", null);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        await using var read = await _app.Database.OpenAsync(default);
        var (state, claimedBy) = await Dapper.SqlMapper.QuerySingleAsync<(string, string?)>(read,
            "SELECT state, claimed_by FROM review_items WHERE sample_id = @id", new { id = sample.SampleId });
        Assert.Equal("pending", state);
        Assert.Null(claimedBy);
    }

    [Fact]
    public async Task A_released_claim_leaves_no_lease_behind()
    {
        var sample = TestSamples.Valid(id: ServerTestAccounts.UniformId("release"));
        await IngestAndWaitStoredAsync(sample);
        var queue = _app.Services.GetRequiredService<ReviewQueue>();
        var held = await queue.ClaimAsync("admin", TimeSpan.FromMinutes(10), null, null, default);

        await queue.ReleaseAsync(held!.ItemId, "admin", default);
        var other = await queue.ClaimAsync("someone-else", TimeSpan.FromMinutes(10), null, null, default);

        Assert.Equal(held.ItemId, other?.ItemId);
    }
}
