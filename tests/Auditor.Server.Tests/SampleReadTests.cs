using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Auditor.Contracts;
using Auditor.Testing;

namespace Auditor.Server.Tests;

/// <summary>GET /api/v1/samples/{sampleId} and the samples pages: any id reads back, 404s say why, blind items stay blind.</summary>
public sealed class SampleReadTests : IAsyncLifetime
{
    private readonly AuditorApp _app = new();
    private HttpClient _admin = null!;

    public Task InitializeAsync()
    {
        _admin = _app.CreateIngestClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static OutputSample Truncated(string id) =>
        TestSamples.Valid(id: id, output: "Step 1: open the settings. Step 2: choose") with { FinishReason = "length" };

    private async Task IngestAsync(params OutputSample[] samples)
    {
        var response = await _admin.PostAsync("/api/v1/samples",
            new StringContent(JsonSerializer.Serialize(samples, OutputSampleJson.Options), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private static string ByQuery(string id) => "/api/v1/samples?sampleId=" + Uri.EscapeDataString(id);

    private async Task WaitCountedAsync(string id) =>
        await Eventually.Get(async () => await (await _admin.GetAsync(ByQuery(id))).Content.ReadAsStringAsync(),
            body => !body.Contains("No sample", StringComparison.Ordinal), what: $"{id} to be counted");

    [Theory]
    [InlineData("tenant/a/sample-1")]
    [InlineData("100% sure")]
    [InlineData("what?x=1#frag")]
    [InlineData("ünïcødé/样本 ✓")]
    public async Task A_stored_sample_whose_id_holds_reserved_characters_reads_back_by_path_and_by_query(string id)
    {
        await IngestAsync(Truncated(id));
        await WaitCountedAsync(id);

        var byPath = await _admin.GetAsync("/api/v1/samples/" + Uri.EscapeDataString(id));
        var byQuery = await _admin.GetAsync(ByQuery(id));

        Assert.Equal(HttpStatusCode.OK, byPath.StatusCode);
        Assert.Equal(id, (await byPath.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sampleId").GetString());
        Assert.Equal(HttpStatusCode.OK, byQuery.StatusCode);
        Assert.Equal(id, (await byQuery.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sampleId").GetString());
    }

    [Fact]
    public async Task The_samples_api_searches_text_with_the_pages_filters_and_says_what_is_wrong_with_a_bad_one()
    {
        var fp8 = Truncated("search/fp8") with { Output = "Step 1: open the billing settings. Step 2: choose", Deployment = "h100-fp8" };
        var bf16 = Truncated("search/bf16") with { Output = "Step 1: open the billing settings. Step 2: pick", Deployment = "h100-bf16" };
        var other = Truncated("search/other") with { Output = "Step 1: restart the router. Step 2: wait", Deployment = "h100-fp8" };
        await IngestAsync(fp8, bf16, other);
        await WaitCountedAsync(other.SampleId!);

        var found = await _admin.GetFromJsonAsync<JsonElement>("/api/v1/samples?q=" + Uri.EscapeDataString("\"billing settings\"") + "&detector=truncation");
        var narrowed = await _admin.GetFromJsonAsync<JsonElement>("/api/v1/samples?q=billing&deployment=h100-bf16");
        var paged = await _admin.GetFromJsonAsync<JsonElement>("/api/v1/samples?limit=1&offset=1");
        var badStratum = await _admin.GetAsync("/api/v1/samples?stratum=sideways&limit=1000");
        var nul = await _admin.GetAsync("/api/v1/samples?q=a%00b");

        Assert.Equal(2, found.GetProperty("total").GetInt64());
        Assert.Equal(["search/bf16", "search/fp8"], found.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("sampleId").GetString()).Order());
        Assert.Contains("billing settings", found.GetProperty("items")[0].GetProperty("snippet").GetString(), StringComparison.Ordinal);
        Assert.Equal("search/bf16", narrowed.GetProperty("items").EnumerateArray().Single().GetProperty("sampleId").GetString());
        Assert.Equal(3, paged.GetProperty("total").GetInt64());
        Assert.Equal(1, paged.GetProperty("items").GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, badStratum.StatusCode);
        var detail = (await badStratum.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        Assert.Contains("stratum 'sideways' is not one of flagged, uniform.", detail, StringComparison.Ordinal);
        Assert.Contains("limit must be from 1 to 100.", detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, nul.StatusCode);
        Assert.Contains("q contains a NUL character.", await nul.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_id_holding_the_text_percent_2F_reads_back_by_query_and_a_slash_sent_raw_by_path()
    {
        await IngestAsync(Truncated("odd%2Fid"), Truncated("raw/slash"));
        await WaitCountedAsync("odd%2Fid");
        await WaitCountedAsync("raw/slash");

        Assert.Equal("odd%2Fid", (await _admin.GetFromJsonAsync<JsonElement>(ByQuery("odd%2Fid"))).GetProperty("sampleId").GetString());
        Assert.Equal("raw/slash", (await _admin.GetFromJsonAsync<JsonElement>("/api/v1/samples/raw/slash")).GetProperty("sampleId").GetString());
    }

    [Fact]
    public async Task The_sample_page_of_an_id_with_a_slash_opens_from_the_search_link()
    {
        await IngestAsync(Truncated("page/with/slash"));
        await WaitCountedAsync("page/with/slash");

        var search = await _admin.GetStringAsync("/samples");
        Assert.Contains("href=\"/samples/page%2Fwith%2Fslash\"", search, StringComparison.Ordinal);
        var page = await _admin.GetAsync("/samples/page%2Fwith%2Fslash");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Sample page/with/slash", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_404_says_whether_the_sample_was_counted_rejected_or_not_counted_in_the_dedupe_window()
    {
        var unflagged = TestSamples.Valid(id: ServerTestAccounts.NonUniformId("plain/id"));
        var rejected = TestSamples.Valid(id: "rejected/id") with { OccurredAt = DateTimeOffset.UtcNow.AddHours(2) };
        await IngestAsync(unflagged, rejected);
        await Eventually.Get(async () => await (await _admin.GetAsync(ByQuery(unflagged.SampleId!))).Content.ReadAsStringAsync(),
            body => body.Contains("was counted", StringComparison.Ordinal), what: "the unflagged sample to be counted");

        var counted = await (await _admin.GetAsync("/api/v1/samples/" + Uri.EscapeDataString(unflagged.SampleId!))).Content.ReadFromJsonAsync<JsonElement>();
        var wasRejected = await _admin.GetAsync("/api/v1/samples/" + Uri.EscapeDataString("rejected/id"));
        var never = await _admin.GetAsync("/api/v1/samples/" + Uri.EscapeDataString("never/sent"));

        Assert.Contains("was counted but its text was not kept", counted.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, wasRejected.StatusCode);
        Assert.Contains("was rejected", (await wasRejected.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, never.StatusCode);
        var neverDetail = (await never.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        Assert.Contains("No sample 'never/sent' has been counted that occurred in the last 35 days", neverDetail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reviewer_sees_no_detector_results_of_a_blind_item_until_their_verdict_and_an_admin_does()
    {
        await _app.AddUserAsync("rita");
        var rita = _app.BasicClient("rita", ServerTestAccounts.ReviewerPassword);
        var sample = Truncated(ServerTestAccounts.UniformId("blind/flagged"));
        await IngestAsync(sample);
        await WaitCountedAsync(sample.SampleId!);
        var path = "/api/v1/samples/" + Uri.EscapeDataString(sample.SampleId!);

        var asAdmin = await _admin.GetFromJsonAsync<JsonElement>(path);
        var asReviewer = await rita.GetFromJsonAsync<JsonElement>(path);
        var list = await rita.GetStringAsync("/samples");
        var byDetector = await rita.GetStringAsync("/samples?detector=truncation");
        var page = await rita.GetStringAsync("/samples/" + Uri.EscapeDataString(sample.SampleId!));

        Assert.NotEqual(0, asAdmin.GetProperty("detectorResults").GetArrayLength());
        Assert.True(asAdmin.GetProperty("flagged").GetBoolean());
        Assert.True(asReviewer.GetProperty("blind").GetBoolean());
        Assert.Equal(0, asReviewer.GetProperty("detectorResults").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, asReviewer.GetProperty("flagged").ValueKind);
        Assert.Equal(JsonValueKind.Null, asReviewer.GetProperty("features").ValueKind);
        Assert.Contains("blind until your verdict", list, StringComparison.Ordinal);
        Assert.DoesNotContain("<td>truncation</td>", list, StringComparison.Ordinal);
        Assert.DoesNotContain(Uri.EscapeDataString(sample.SampleId!), byDetector, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"blind\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<mark", page, StringComparison.Ordinal);

        var claim = await (await rita.PostAsync("/api/v1/review/claim", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, (await rita.GetFromJsonAsync<JsonElement>(path)).GetProperty("detectorResults").GetArrayLength()); // holding it
        Assert.Equal(HttpStatusCode.OK, (await rita.PostAsJsonAsync($"/api/v1/review/{claim.GetProperty("itemId").GetInt64()}/verdict", new { verdict = "ok" })).StatusCode);

        var decided = await rita.GetFromJsonAsync<JsonElement>(path);
        Assert.False(decided.GetProperty("blind").GetBoolean());
        Assert.NotEqual(0, decided.GetProperty("detectorResults").GetArrayLength());
        Assert.Contains("<td>truncation</td>", await rita.GetStringAsync("/samples"), StringComparison.Ordinal);
    }
}
