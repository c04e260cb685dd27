using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Auditor.Contracts;
using Auditor.Testing;

namespace Auditor.Server.Tests;

/// <summary>The rejected list's filters and the blind-aware samples search on PostgreSQL (their SQL differs by dialect).</summary>
public sealed class RejectedOnPostgresTests : IAsyncLifetime
{
    private PostgresTestDatabase _database = null!;
    private AuditorApp _app = null!;

    public async Task InitializeAsync()
    {
        _database = await PostgresTestDatabase.CreateAsync();
        _app = new AuditorApp(new() { ["Auditor:Store"] = "Postgres", ["ConnectionStrings:Postgres"] = _database.ConnectionString });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Filters_rejections_by_rule_source_and_time_and_searches_samples_for_a_reviewer()
    {
        var admin = _app.CreateIngestClient();
        var late = TestSamples.Valid(id: "pg-late") with { OccurredAt = DateTimeOffset.UtcNow.AddHours(3) };
        var noModel = TestSamples.Valid(id: "pg-no-model") with { Model = null };
        var response = await admin.PostAsync("/api/v1/samples",
            new StringContent(JsonSerializer.Serialize(new[] { late, noModel }, OutputSampleJson.Options), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var future = await admin.GetFromJsonAsync<JsonElement>("/api/v1/rejected?rule=occurredAt.future&source=http&from=2020-01-01T00:00:00Z");
        var all = await admin.GetFromJsonAsync<JsonElement>("/api/v1/rejected");
        await _app.AddUserAsync("pia");
        var search = await _app.BasicClient("pia", ServerTestAccounts.ReviewerPassword).GetAsync("/samples?detector=truncation");

        Assert.Equal("pg-late", future.GetProperty("items").EnumerateArray().Single().GetProperty("sampleId").GetString());
        Assert.Equal(2, all.GetProperty("items").GetArrayLength());
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
    }
}
