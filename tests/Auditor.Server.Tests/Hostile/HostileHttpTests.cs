using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Auditor.Testing;

namespace Auditor.Server.Tests.Hostile;

/// <summary>
/// The hostile catalogue through POST /api/v1/samples on the real host: each case between two valid neighbours in one
/// array. Every answer is 202 naming the case's rule at its index, the case is in rejected_samples (source http) with
/// that rule, the neighbours and all later traffic are counted; a case that is valid input is counted.
/// </summary>
public abstract class HostileHttpTests : IAsyncLifetime
{
    protected abstract Task<AuditorApp> StartAsync();

    protected abstract string StoreName { get; }

    private AuditorApp _app = null!;

    public async Task InitializeAsync() => _app = await StartAsync();

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await CleanUpAsync();
    }

    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    private static ByteArrayContent Body(byte[] bytes, string contentType = "application/json")
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        return content;
    }

    [Fact]
    public async Task Every_hostile_class_is_rejected_with_its_rule_and_kept_while_its_neighbours_are_counted()
    {
        var client = _app.CreateIngestClient();
        var cases = HostileCatalogue.Build();
        var answers = new List<(HostileCase Case, HttpStatusCode Status, JsonElement Body, string[] Neighbours)>();
        foreach (var c in cases)
        {
            var (a, before) = HostileCatalogue.Neighbour();
            var (b, after) = HostileCatalogue.Neighbour();
            var body = Encoding.UTF8.GetBytes("[").Concat(before).Concat(","u8.ToArray()).Concat(c.Body).Concat(","u8.ToArray()).Concat(after).Concat("]"u8.ToArray()).ToArray();
            var response = await client.PostAsync("/api/v1/samples", Body(body));
            answers.Add((c, response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(), [a, b]));
        }
        var later = HostileCatalogue.Neighbour();
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/api/v1/samples", Body(later.Body))).StatusCode);

        await Eventually.Get(() => _app.Database.CountedAsync(answers.SelectMany(a => a.Neighbours).Append(later.Id)), n => n == answers.Count * 2 + 1,
            within: TimeSpan.FromSeconds(60), what: "every valid neighbour and the later sample counted");
        var rejected = await HostileRun.RejectedByHashAsync(_app.Database);
        var outcomes = new List<HostileOutcome>();
        foreach (var (c, status, body, _) in answers)
        {
            Assert.True(status == HttpStatusCode.Accepted, $"{c.Class}: {(int)status} {body}");
            var rejections = body.GetProperty("rejected").EnumerateArray().ToList();
            if (c.Rule is null)
            {
                Assert.True(rejections.Count == 0, $"{c.Class} should be accepted: {body}");
                await Eventually.Get(() => HostileRun.IsCountedAsync(_app.Database, c.SampleId), x => x, what: $"{c.Class} counted");
                outcomes.Add(new HostileOutcome(c, "202", null, "counted", true));
                continue;
            }
            var rejection = Assert.Single(rejections);
            Assert.Equal(1, rejection.GetProperty("index").GetInt32());
            var rules = rejection.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("rule").GetString()).ToList();
            Assert.True(rules.Contains(c.Rule), $"{c.Class}: expected {c.Rule}, got {string.Join(", ", rules)}");
            Assert.Equal(2, body.GetProperty("accepted").GetInt32());
            Assert.True(rejected.TryGetValue(c.Hash, out var row), $"{c.Class} not in rejected_samples");
            Assert.Equal("http", row.Source);
            Assert.Contains($"\"{c.Rule}\"", row.Errors, StringComparison.Ordinal);
            outcomes.Add(new HostileOutcome(c, "202", c.Rule, $"rejected_samples (http, payload {row.Encoding})", true));
        }
        HostileRun.Report($"HTTP, {StoreName}", outcomes);
    }

    [Fact]
    public async Task A_body_that_is_not_JSON_answers_400_and_is_kept_with_rule_json()
    {
        var client = _app.CreateIngestClient();
        byte[] body = [.. "[{\"sampleId\": \"cut"u8, 0xFF, .. "\0 and then"u8];

        var response = await client.PostAsync("/api/v1/samples", Body(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var rows = await HostileRun.RejectedByHashAsync(_app.Database);
        var row = rows[Convert.ToHexStringLower(SHA256.HashData(body))];
        Assert.Equal(("http", "base64"), (row.Source, row.Encoding));
        Assert.Contains("\"json\"", row.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NDJSON_lines_with_bytes_that_are_not_UTF8_are_rejected_alone()
    {
        var client = _app.CreateIngestClient();
        var (a, first) = HostileCatalogue.Neighbour();
        var (b, last) = HostileCatalogue.Neighbour();
        var bad = HostileCatalogue.Record("ndjson-bad", ("output", "\"caf~0xFF~\""));
        byte[] body = [.. first, (byte)'\n', .. bad, (byte)'\n', .. last, (byte)'\n'];

        var response = await client.PostAsync("/api/v1/samples", Body(body, "application/x-ndjson"));

        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(2, json.GetProperty("accepted").GetInt32());
        Assert.Equal("output.utf8", json.GetProperty("rejected")[0].GetProperty("errors")[0].GetProperty("rule").GetString());
        await Eventually.Get(() => _app.Database.CountedAsync([a, b]), n => n == 2, what: "both valid lines counted");
    }
}

public sealed class SqliteHostileHttpTests : HostileHttpTests
{
    protected override string StoreName => "SQLite (embedded default)";

    protected override Task<AuditorApp> StartAsync() => Task.FromResult(new AuditorApp());
}

public sealed class PostgresHostileHttpTests : HostileHttpTests
{
    private PostgresTestDatabase? _database;

    protected override string StoreName => "PostgreSQL";

    protected override async Task<AuditorApp> StartAsync()
    {
        _database = await PostgresTestDatabase.CreateAsync();
        return new AuditorApp(new()
        {
            ["Auditor:Store"] = "Postgres",
            ["ConnectionStrings:Postgres"] = _database.ConnectionString,
        });
    }

    protected override async Task CleanUpAsync()
    {
        if (_database is not null)
            await _database.DisposeAsync();
    }
}
