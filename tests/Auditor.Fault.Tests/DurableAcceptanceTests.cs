using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Auditor.Contracts;
using Dapper;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Auditor.Fault.Tests;

/// <summary>
/// Issue #13: on the embedded default (in-memory transport, SQLite) a 202 means the samples survive kill -9. Each trial
/// posts 5,000 samples (100 requests of 50, 4 at a time) to the real server process and SIGKILLs it right after a chosen
/// number of 202s (odd trials right after the last one, as the issue reported it; even trials mid-stream, with requests
/// in flight), restarts it on the same database and checks that every acknowledged sample is counted, once.
/// AUDITOR_KILL_TRIALS sets the number of trials (default 4); AUDITOR_KILL_AT=last kills every trial after its last 202.
/// </summary>
public sealed class DurableAcceptanceTests(ITestOutputHelper output)
{
    private const int SamplesPerTrial = 5_000;
    private const int PerRequest = 50;
    private const string ApiKey = "kill-test-key-0123456789";

    [Fact]
    public async Task Counts_every_acknowledged_sample_after_kill_9_on_the_embedded_default()
    {
        var trials = int.TryParse(Environment.GetEnvironmentVariable("AUDITOR_KILL_TRIALS"), out var t) ? t : 4;
        var alwaysAfterLast = Environment.GetEnvironmentVariable("AUDITOR_KILL_AT") == "last";
        // Bounded, with room for a loaded machine (a trial takes about 10 s on an idle one, over a minute at load 20).
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(3 + trials * 1.5));
        var work = Directory.CreateTempSubdirectory("auditor-kill-");
        await using var server = new ServerProcess(new()
        {
            ["Auditor__Ingest__ApiKeys__0"] = ApiKey,
            ["AUDITOR_ADMIN_PASSWORD"] = "kill-test-admin-password",
            ["Logging__LogLevel__Default"] = "Warning",
        }, work.FullName);
        var database = Path.Combine(work.FullName, "data", "auditor.db");
        var random = new Random(13);
        var totals = (Acknowledged: 0L, Counted: 0L);

        for (var trial = 1; trial <= trials; trial++)
        {
            server.Start();
            await server.WaitReadyAsync(TimeSpan.FromSeconds(90));
            var requests = SamplesPerTrial / PerRequest;
            var killAfter = alwaysAfterLast || trial % 2 == 1 ? requests : random.Next(10, requests);
            var prefix = $"kill-{trial}-{Guid.NewGuid():N}"[..20];
            var acknowledged = new ConcurrentBag<string>();
            var answered = 0;
            var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
            http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);

            var sending = Parallel.ForEachAsync(Enumerable.Range(0, requests), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = budget.Token },
                async (r, ct) =>
                {
                    if (killed.Task.IsCompleted)
                        return;
                    var ids = Enumerable.Range(r * PerRequest, PerRequest).Select(i => $"{prefix}-{i:D5}").ToList();
                    try
                    {
                        using var response = await http.PostAsync("/api/v1/samples", Body(ids, prefix), ct);
                        if (response.StatusCode != HttpStatusCode.Accepted)
                            return;
                        foreach (var id in ids)
                            acknowledged.Add(id);
                        if (Interlocked.Increment(ref answered) == killAfter)
                        {
                            await server.KillAsync();
                            killed.TrySetResult();
                        }
                    }
                    catch (HttpRequestException)
                    {
                        // The server died under this request: nothing of it was acknowledged.
                    }
                });
            await sending;
            if (!killed.Task.IsCompleted)
            {
                await server.KillAsync();
                killed.TrySetResult();
            }

            server.Start();
            await server.WaitReadyAsync(TimeSpan.FromSeconds(90));
            var (counted, streamTotal) = await CountedAsync(database, prefix);
            await server.KillAsync();
            var acked = acknowledged.ToHashSet();
            var lost = acked.Except(counted).ToList();
            output.WriteLine($"trial {trial}: killed after {killAfter} of {requests} requests answered; acknowledged {acked.Count}, counted {counted.Count} " +
                             $"(counter total {streamTotal}), acknowledged but lost {lost.Count}");
            totals = (totals.Acknowledged + acked.Count, totals.Counted + counted.Count);

            Assert.Empty(lost);
            Assert.Equal(counted.Count, streamTotal); // counted once: the counters agree with the dedupe table
            if (killAfter == requests)
                Assert.Equal(SamplesPerTrial, counted.Count);
        }
        output.WriteLine($"{trials} trials: {totals.Acknowledged} acknowledged, {totals.Counted} counted");
        await server.DisposeAsync();
        work.Delete(recursive: true);
    }

    private static StringContent Body(IEnumerable<string> ids, string route)
    {
        var now = DateTimeOffset.UtcNow;
        var samples = ids.Select(id => new OutputSample
        {
            SampleId = id, OccurredAt = now, Model = "kill-model", Route = route,
            Output = $"Answer for {id}: the order ships within three days.", FinishReason = "stop",
        });
        return new StringContent(JsonSerializer.Serialize(samples, OutputSampleJson.Options), Encoding.UTF8, "application/json");
    }

    private static async Task<(HashSet<string> Ids, long StreamTotal)> CountedAsync(string database, string prefix)
    {
        await using var c = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        await c.OpenAsync();
        var ids = (await c.QueryAsync<string>("SELECT sample_id FROM sample_ids WHERE sample_id LIKE @p", new { p = prefix + "-%" })).ToHashSet();
        // Each trial is its own stream (route = the trial's prefix).
        var total = await c.ExecuteScalarAsync<long>("SELECT COALESCE(SUM(total), 0) FROM stream_hour_counters WHERE route = @prefix", new { prefix });
        return (ids, total);
    }
}
