using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Auditor.Fault.Tests;

/// <summary>
/// Issue #13: a flood of 1 MB samples against the embedded default (the real server process, default limits). The
/// server must refuse what it cannot hold with 503 and Retry-After instead of buffering (it grew to 2.9 GB in 30 s
/// before), and every sample it acknowledged must be counted.
/// </summary>
public sealed class BackPressureTests(ITestOutputHelper output)
{
    private const string ApiKey = "flood-test-key-0123456789";
    private const int Clients = 48; // 48 waiting 1 MB samples hold about 144 MB (HeldBytes), more than MaxPendingBytes (64 MiB)

    [Fact]
    public async Task Refuses_a_flood_of_1_MB_samples_with_503_and_Retry_After_and_counts_every_acknowledged_one()
    {
        var work = Directory.CreateTempSubdirectory("auditor-flood-");
        await using var server = new ServerProcess(new()
        {
            ["Auditor__Ingest__ApiKeys__0"] = ApiKey,
            ["AUDITOR_ADMIN_PASSWORD"] = "flood-test-admin-password",
            ["Logging__LogLevel__Default"] = "Warning",
        }, work.FullName);
        server.Start();
        await server.WaitReadyAsync(TimeSpan.FromSeconds(90));
        var text = OneMegabyteOfText();
        var acknowledged = new ConcurrentBag<string>();
        var statuses = new ConcurrentDictionary<HttpStatusCode, int>();
        var retryAfter = new ConcurrentBag<string>();
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
        http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);

        await Task.WhenAll(Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            for (var i = 0; DateTime.UtcNow < until; i++)
            {
                var id = $"flood-{client}-{i}";
                var body = JsonSerializer.Serialize(new { sampleId = id, occurredAt = DateTimeOffset.UtcNow, model = "flood", route = "flood/1mb", output = text });
                using var response = await http.PostAsync("/api/v1/samples", new StringContent(body, Encoding.UTF8, "application/json"));
                statuses.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
                if (response.StatusCode == HttpStatusCode.Accepted)
                    acknowledged.Add(id);
                else if (response.Headers.RetryAfter?.Delta is { } delay)
                {
                    retryAfter.Add(delay.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    await Task.Delay(delay / 4); // an impatient client: a flood, not a polite one
                }
            }
        })));

        var peak = server.PeakResidentBytes();
        await using var db = new SqliteConnection($"Data Source={Path.Combine(work.FullName, "data", "auditor.db")};Mode=ReadOnly;Pooling=False");
        var counted = (await db.QueryAsync<string>("SELECT sample_id FROM sample_ids WHERE sample_id LIKE 'flood-%'")).ToHashSet();
        output.WriteLine($"{Clients} clients x 20 s of 1 MB samples: {string.Join(", ", statuses.Select(s => $"{(int)s.Key}: {s.Value}"))}; " +
                         $"acknowledged {acknowledged.Count}, counted {counted.Count}; server peak RSS {peak / 1024 / 1024} MB");

        Assert.True(statuses.GetValueOrDefault(HttpStatusCode.ServiceUnavailable) > 0, "the flood was never refused");
        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.ServiceUnavailable], statuses.Keys.Order());
        Assert.All(retryAfter, r => Assert.Equal("2", r));
        Assert.NotEmpty(acknowledged);
        Assert.Subset(counted, acknowledged.ToHashSet());
        // Before issue #13 the process grew without bound (2.9 GB in 30 s); the pending limits hold it far below 1 GiB.
        Assert.True(peak < 1024L * 1024 * 1024, $"peak resident memory {peak / 1024 / 1024} MB");
        await server.DisposeAsync();
        work.Delete(recursive: true);
    }

    private static string OneMegabyteOfText()
    {
        string[] words = ["the", "cache", "model", "answer", "token", "latency", "server", "queue", "report", "value", "because", "after"];
        var random = new Random(1);
        var text = new StringBuilder(1_000_100);
        while (text.Length < 1_000_000)
            text.Append(words[random.Next(words.Length)]).Append(' ');
        return text.ToString(0, 1_000_000);
    }
}
