using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Auditor.Contracts;
using Auditor.Storage.Samples;
using Auditor.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Auditor.Server.Tests;

/// <summary>Admins read and replay rejected payloads (API and page); reviewers may not.</summary>
public sealed class RejectedApiTests : IAsyncLifetime
{
    private readonly AuditorApp _app = new();
    private HttpClient _admin = null!;

    public Task InitializeAsync()
    {
        _admin = _app.CreateIngestClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<JsonElement> IngestAsync(params OutputSample[] samples)
    {
        var response = await _admin.PostAsync("/api/v1/samples",
            new StringContent(JsonSerializer.Serialize(samples, OutputSampleJson.Options), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static OutputSample Future(string id, string output = "fine") =>
        TestSamples.Valid(id: id, output: output) with { OccurredAt = DateTimeOffset.UtcNow.AddHours(3) };

    [Fact]
    public async Task An_admin_lists_rejections_newest_first_filtered_by_source_and_rule_and_pages_through_them()
    {
        await IngestAsync(Future("late-1"), Future("late-2"), Future("late-3"), TestSamples.Valid(id: "no-model") with { Model = null });

        var all = await _admin.GetFromJsonAsync<JsonElement>("/api/v1/rejected");
        var future = await _admin.GetFromJsonAsync<JsonElement>("/api/v1/rejected?rule=occurredAt.future&source=http");
        var firstPage = await _admin.GetFromJsonAsync<JsonElement>("/api/v1/rejected?rule=occurredAt.future&limit=2");
        var secondPage = await _admin.GetFromJsonAsync<JsonElement>($"/api/v1/rejected?rule=occurredAt.future&limit=2&before={firstPage.GetProperty("next").GetInt64()}");
        var none = await _admin.GetFromJsonAsync<JsonElement>("/api/v1/rejected?source=rabbitmq");
        var later = await _admin.GetFromJsonAsync<JsonElement>($"/api/v1/rejected?from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"))}");

        Assert.Equal(4, all.GetProperty("items").GetArrayLength());
        Assert.Equal(3, future.GetProperty("items").GetArrayLength());
        Assert.All(future.GetProperty("items").EnumerateArray(), i => Assert.Equal("http", i.GetProperty("source").GetString()));
        var ids = future.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(ids.OrderDescending(), ids);
        Assert.Equal(2, firstPage.GetProperty("items").GetArrayLength());
        Assert.Equal(1, secondPage.GetProperty("items").GetArrayLength());
        Assert.Equal(0, none.GetProperty("items").GetArrayLength());
        Assert.Equal(0, later.GetProperty("items").GetArrayLength());
        var one = future.GetProperty("items")[0];
        Assert.Equal("utf8", one.GetProperty("payloadEncoding").GetString());
        Assert.Contains("\"sampleId\":\"late-3\"", one.GetProperty("payload").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reviewer_gets_403_from_the_rejected_api_and_page()
    {
        await _app.AddUserAsync("rob");
        var rob = _app.BasicClient("rob", ServerTestAccounts.ReviewerPassword);

        Assert.Equal(HttpStatusCode.Forbidden, (await rob.GetAsync("/api/v1/rejected")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await rob.PostAsync("/api/v1/rejected/1/replay", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await rob.GetAsync("/rejected")).StatusCode);
    }

    [Fact]
    public async Task The_rejected_page_shows_reason_source_and_the_payload_html_encoded()
    {
        // Sent as a client may write it: '<' and '>' unescaped inside the JSON string.
        var raw = JsonSerializer.Serialize(Future("hostile", output: "<script>alert(1)</script>"), OutputSampleJson.Options)
            .Replace("\\u003C", "<", StringComparison.Ordinal).Replace("\\u003E", ">", StringComparison.Ordinal);
        Assert.Contains("<script>", raw, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, (await _admin.PostAsync("/api/v1/samples", new StringContent(raw, Encoding.UTF8, "application/json"))).StatusCode);

        var page = await _admin.GetStringAsync("/rejected");

        Assert.Contains("occurredAt.future", page, StringComparison.Ordinal);
        Assert.Contains("<td>http</td>", page, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert(1)</script>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_counts_a_payload_that_is_valid_now_and_says_when_one_is_still_rejected()
    {
        // A payload kept after a processing failure (as when a detector threw) is valid as it stands.
        var valid = TestSamples.Valid(id: "kept-after-a-processing-failure");
        await _app.Services.GetRequiredService<SampleBatchWriter>().RecordRejectedAsync(
            [new RejectedSample("rabbitmq", valid.SampleId, [new ContractViolation("$", "processing", "a detector failed")], JsonSerializer.Serialize(valid, OutputSampleJson.Options))], default);
        await IngestAsync(Future("still-late"));
        var items = (await _admin.GetFromJsonAsync<JsonElement>("/api/v1/rejected")).GetProperty("items").EnumerateArray().ToList();
        long IdOf(string sampleId) => items.Single(i => i.GetProperty("sampleId").GetString() == sampleId).GetProperty("id").GetInt64();

        var accepted = await _admin.PostAsync($"/api/v1/rejected/{IdOf(valid.SampleId!)}/replay", null);
        var stillRejected = await _admin.PostAsync($"/api/v1/rejected/{IdOf("still-late")}/replay", null);
        var missing = await _admin.PostAsync("/api/v1/rejected/999999/replay", null);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var acceptedBody = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("accepted", acceptedBody.GetProperty("outcome").GetString());
        Assert.Equal(1, acceptedBody.GetProperty("accepted").GetInt32());
        var rejectedBody = await stillRejected.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("rejected", rejectedBody.GetProperty("outcome").GetString());
        Assert.Equal("occurredAt.future", rejectedBody.GetProperty("rejected")[0].GetProperty("errors")[0].GetProperty("rule").GetString());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        await Eventually.Get(async () => await (await _admin.GetAsync("/api/v1/samples?sampleId=" + valid.SampleId)).Content.ReadAsStringAsync(),
            body => body.Contains("was counted", StringComparison.Ordinal), what: "the replayed sample to be counted");
    }
}
