using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Auditor.Contracts;
using Auditor.Detection;
using Auditor.Review.Routing;
using Auditor.Storage;
using Auditor.Storage.Samples;
using Auditor.Testing;
using Dapper;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Tests;

/// <summary>
/// ConnectionStrings:PostgresReplica: the report, the streams API and sample search read the replica, while intake,
/// the review queue and the scheduled report run use the primary. The "replica" here is a second database holding
/// other data, so where each answer came from shows in the answer.
/// </summary>
public sealed class ReadReplicaTests : IAsyncLifetime
{
    private PostgresTestDatabase _primary = null!;
    private PostgresTestDatabase _replica = null!;

    public async Task InitializeAsync()
    {
        _primary = await PostgresTestDatabase.CreateAsync();
        _replica = await PostgresTestDatabase.CreateAsync();
        // The replica's own data: one stored, flagged, selected sample on a stream the primary never sees.
        await using var replica = AuditorDatabase.Create(StoreKind.Postgres, _replica.ConnectionString);
        await replica.MigrateAsync(default);
        var detectors = new DetectorRegistry(DetectorRegistry.Builtin(), new DefaultDetectorSettings());
        var sample = TestSamples.Valid(id: "on-the-replica", output: "") with { Model = "replica-model", OccurredAt = DateTimeOffset.UtcNow.AddMinutes(-5) };
        await new SampleBatchWriter(replica, TimeProvider.System).CommitAsync(
            [new AuditedSample(sample, detectors.Inspect(sample), new RoutingDecision(ReviewStratum.Flagged, 1))], [], default);
    }

    public async Task DisposeAsync()
    {
        await _primary.DisposeAsync();
        await _replica.DisposeAsync();
    }

    private AuditorApp App(string replica) => new(new()
    {
        ["Auditor:Store"] = "Postgres",
        ["ConnectionStrings:Postgres"] = _primary.ConnectionString,
        ["ConnectionStrings:PostgresReplica"] = replica,
        ["Auditor:Review:UniformFraction"] = "1",
    });

    [Fact]
    public async Task Report_streams_and_sample_search_read_the_replica_while_intake_and_review_use_the_primary()
    {
        await using var app = App(_replica.ConnectionString);
        var admin = app.CreateIngestClient();
        var posted = TestSamples.Valid(id: "on-the-primary") with { Model = "primary-model", OccurredAt = DateTimeOffset.UtcNow.AddMinutes(-5) };
        var response = await admin.PostAsync("/api/v1/samples",
            new StringContent(JsonSerializer.Serialize(new[] { posted }, OutputSampleJson.Options), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Eventually.Get(() => CountAsync(_primary, "on-the-primary"), n => n == 1, what: "the posted sample committed on the primary");

        var streams = await admin.GetFromJsonAsync<JsonElement>("/api/v1/streams");
        var report = await admin.GetFromJsonAsync<JsonElement>("/api/v1/reports/weekly?week=" + Auditor.Review.Reports.IsoWeek.Of(DateTimeOffset.UtcNow));
        var search = await admin.GetFromJsonAsync<JsonElement>("/api/v1/samples?limit=50");
        await app.AddUserAsync("rita");
        var claim = await app.BasicClient("rita", ServerTestAccounts.ReviewerPassword).PostAsync("/api/v1/review/claim", null);
        var ready = await admin.GetAsync("/health/ready");
        var health = await ready.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(["replica-model"], streams.EnumerateArray().Select(s => s.GetProperty("model").GetString()));
        Assert.Equal(["replica-model"], report.GetProperty("streams").EnumerateArray().Select(s => s.GetProperty("model").GetString()));
        Assert.Equal(["on-the-replica"], search.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("sampleId").GetString()));
        Assert.Equal(HttpStatusCode.OK, claim.StatusCode);
        Assert.Equal("on-the-primary", (await claim.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sample").GetProperty("sampleId").GetString());
        Assert.Equal(0, await CountAsync(_replica, "on-the-primary"));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", health.GetProperty("checks").GetProperty("store-replica").GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_unreachable_replica_degrades_readiness_while_intake_goes_on_to_the_primary()
    {
        await using var app = App("Host=127.0.0.1;Port=1;Database=auditor;Username=auditor;Password=auditor;Timeout=2");
        var admin = app.CreateIngestClient();
        var response = await admin.PostAsync("/api/v1/samples",
            new StringContent(JsonSerializer.Serialize(new[] { TestSamples.Valid(id: "while-degraded") }, OutputSampleJson.Options), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Eventually.Get(() => CountAsync(_primary, "while-degraded"), n => n == 1, what: "the sample committed on the primary");

        var ready = await admin.GetAsync("/health/ready");
        var health = await ready.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Degraded", health.GetProperty("status").GetString());
        var replica = health.GetProperty("checks").GetProperty("store-replica");
        Assert.Equal("Degraded", replica.GetProperty("status").GetString());
        Assert.Contains("read replica does not answer", replica.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("Healthy", health.GetProperty("checks").GetProperty("store").GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("Postgres", "Host=pg-replica;Databse=auditor", "is not a valid PostgreSQL connection string")]
    [InlineData("Postgres", "Database=auditor;Username=auditor", "names no Host")]
    [InlineData("Sqlite", "Host=pg-replica;Database=auditor", "is for PostgreSQL only")]
    public async Task A_bad_replica_setting_stops_the_start_with_an_error_naming_it(string store, string replica, string says)
    {
        await using var app = new AuditorApp(new()
        {
            ["Auditor:Store"] = store,
            ["ConnectionStrings:Postgres"] = _primary.ConnectionString,
            ["ConnectionStrings:PostgresReplica"] = replica,
        });

        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        // One validation failure, saying what is wrong with the setting it names.
        var invalid = Assert.IsType<OptionsValidationException>(Flatten(error).First(e => e is OptionsValidationException));
        var failure = Assert.Single(invalid.Failures);
        Assert.StartsWith("ConnectionStrings:PostgresReplica ", failure, StringComparison.Ordinal);
        Assert.Contains(says, failure, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task An_unset_or_empty_replica_setting_starts_with_reads_on_the_primary()
    {
        await using var app = App("");

        var ready = await app.CreateIngestClient().GetAsync("/health/ready");
        var health = await ready.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("reads go to the primary", health.GetProperty("checks").GetProperty("store-replica").GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    private static IEnumerable<Exception> Flatten(Exception error)
    {
        yield return error;
        var inner = error is AggregateException aggregate ? aggregate.InnerExceptions : error.InnerException is { } one ? [one] : [];
        foreach (var e in inner.SelectMany(Flatten))
            yield return e;
    }

    private static async Task<long> CountAsync(PostgresTestDatabase database, string sampleId)
    {
        await using var c = new Npgsql.NpgsqlConnection(database.ConnectionString);
        return await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM sample_ids WHERE sample_id = @sampleId", new { sampleId });
    }
}
