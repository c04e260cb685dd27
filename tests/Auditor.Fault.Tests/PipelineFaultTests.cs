using System.Diagnostics;
using System.Text.Json;
using Auditor.Client;
using Auditor.Contracts;
using Dapper;
using Npgsql;
using Xunit.Abstractions;

namespace Auditor.Fault.Tests;

/// <summary>
/// Issue #8, item 4: a known set of samples is published while the consumer is SIGKILLed twice, RabbitMQ is restarted,
/// PostgreSQL is stopped for 20 s and the consumer is stopped gracefully once; afterwards every valid sample is counted
/// exactly once, every invalid one is in rejected_samples with its reason, and nothing else. Issue #13 adds a stall
/// phase: PostgreSQL answers but no batch can commit (a lock on sample_ids) while samples wait; /health/ready must turn
/// red within seconds, saying "stalled", and green again after the lock is released, and a poison phase: each invalid
/// burst also carries samples with a lone surrogate in sampleId and a NUL in model, which must be rejected with their
/// rule while everything around them is counted. Private PostgreSQL and RabbitMQ
/// instances, loopback only, bounded to a few minutes.
/// </summary>
public sealed class PipelineFaultTests(ITestOutputHelper output)
{
    private const int ValidCount = 20_000;
    private const int InvalidPerKind = 50; // per kind and burst: rule-breaking JSON and text that is not JSON
    private const int StallCount = 200; // valid samples published while commits are stalled
    private const int StallSeconds = 5;

    [Fact]
    public async Task Counts_every_sample_once_through_consumer_kills_a_broker_restart_and_a_database_outage()
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = budget.Token;
        var clock = Stopwatch.StartNew();
        void Log(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1}s {what}");

        await using var postgres = await PrivatePostgres.StartAsync();
        await using var rabbit = await PrivateRabbitMq.StartAsync();
        var work = Directory.CreateTempSubdirectory("auditor-fault-server-");
        await using var server = new ServerProcess(new()
        {
            ["Auditor__Transport"] = "RabbitMq",
            ["Auditor__Store"] = "Postgres",
            ["ConnectionStrings__RabbitMq"] = rabbit.Uri.ToString(),
            ["ConnectionStrings__Postgres"] = postgres.ConnectionString,
            ["Auditor__Ingest__ApiKeys__0"] = "fault-test-ingest-key",
            ["AUDITOR_ADMIN_PASSWORD"] = "fault-test-admin-password",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
            ["Auditor__Pipeline__StallSeconds"] = StallSeconds.ToString(),
            ["Auditor__Pipeline__QueueProbeSeconds"] = "1",
        }, work.FullName);
        Log($"server log: {work.FullName}/server.log");
        Log($"private PostgreSQL on {postgres.Port}, RabbitMQ {rabbit.Node} on {rabbit.Port}");
        server.Start();
        await server.WaitReadyAsync(TimeSpan.FromSeconds(90));
        Log("server ready");

        var run = Guid.NewGuid().ToString("N")[..8];
        var validIds = Enumerable.Range(0, ValidCount).Select(i => $"fault-{run}-{i:D6}").ToArray();
        var stallIds = Enumerable.Range(0, StallCount).Select(i => $"stall-{run}-{i:D4}").ToArray();
        var ruleBreaking = new List<string>();
        var notJson = new List<string>();
        // The poison phase (issue #13): what no store can hold. A lone surrogate in sampleId once threw inside the
        // unreadable-message recorder and stopped the consumer for good; a NUL in model blocked every PostgreSQL commit.
        var loneSurrogate = new List<string>();
        var nulInModel = new List<string>();
        List<string> InvalidBurst(int burst)
        {
            var batch = new List<string>();
            for (var i = 0; i < InvalidPerKind; i++)
            {
                // No model: parses, breaks a rule; kept in rejected_samples by the consumer's own transaction.
                var bad = JsonSerializer.Serialize(new { sampleId = $"bad-{run}-{burst}-{i}", occurredAt = DateTimeOffset.UtcNow, route = "fault/invalid", output = "x" });
                var garbage = $"<<not json {run} {burst} {i}";
                // JSON escapes as the wire carries them: "\udc00" alone is half a pair, "\u0000" is NUL.
                var surrogate = $$"""{"sampleId":"poison-{{run}}-{{burst}}-{{i}}\udc00","occurredAt":"{{DateTimeOffset.UtcNow:O}}","model":"fault-model","route":"fault/poison","output":"x"}""";
                var nul = $$"""{"sampleId":"nul-{{run}}-{{burst}}-{{i}}","occurredAt":"{{DateTimeOffset.UtcNow:O}}","model":"fault\u0000model","route":"fault/poison","output":"x"}""";
                ruleBreaking.Add(bad);
                notJson.Add(garbage);
                loneSurrogate.Add(surrogate);
                nulInModel.Add(nul);
                batch.Add(bad);
                batch.Add(garbage);
                batch.Add(surrogate);
                batch.Add(nul);
            }
            return batch;
        }

        await using var publisher = new AuditorPublisher(new AuditorPublisherOptions
        {
            RabbitMqUri = rabbit.Uri,
            WhenBufferFull = BufferFullMode.Wait,
            ConfirmTimeout = TimeSpan.FromSeconds(5),
            MaxRetryDelay = TimeSpan.FromSeconds(2),
            ClientName = "auditor-fault-valid",
        });
        // About 70 s of paced traffic, so every fault below happens while samples flow.
        var publishing = Task.Run(async () =>
        {
            var pace = Stopwatch.StartNew();
            for (var i = 0; i < ValidCount; i++)
            {
                var outputText = i % 50 == 0 ? "" : $"Answer {i}: the order ships within {i % 7 + 1} days.";
                await publisher.PublishAsync(new OutputSample
                {
                    SampleId = validIds[i],
                    OccurredAt = DateTimeOffset.UtcNow,
                    Model = "fault-model",
                    Route = $"fault/valid-{i % 4}",
                    Output = outputText,
                    FinishReason = "stop",
                    CompletionTokens = 12,
                    MaxTokens = 256,
                }, ct);
                await DelayUntilAsync(pace, TimeSpan.FromMilliseconds(i * 3.5), ct);
            }
            await publisher.FlushAsync(ct);
        }, ct);

        await RawInvalidPublisher.PublishConfirmedAsync(rabbit.Uri, InvalidBurst(1), ct);
        Log("first invalid burst confirmed");

        await Task.Delay(TimeSpan.FromSeconds(6), ct);
        await server.KillAsync();
        Log("consumer SIGKILLed (1)");
        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        server.Start();
        await server.WaitReadyAsync(TimeSpan.FromSeconds(60));
        Log("consumer back");

        await Task.Delay(TimeSpan.FromSeconds(4), ct);
        await rabbit.StopNodeAsync();
        Log("RabbitMQ stopped");
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        await rabbit.StartNodeAsync();
        Log("RabbitMQ started");
        await server.WaitReadyAsync(TimeSpan.FromSeconds(90));
        Log("server ready after the broker restart");

        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        var outage = Stopwatch.StartNew();
        await postgres.StopServerAsync();
        Log("PostgreSQL stopped");
        var cpuBefore = server.CpuTime();
        var burst2 = RawInvalidPublisher.PublishConfirmedAsync(rabbit.Uri, InvalidBurst(2), ct);
        var readyDuringOutage = await ReadinessAsync(server, TimeSpan.FromSeconds(10), wantReady: false);
        Log($"readiness during the outage: {(readyDuringOutage ? "still ready" : "not ready")}");
        await burst2;
        await DelayUntilAsync(outage, TimeSpan.FromSeconds(20), ct);
        var cpuDuringOutage = server.CpuTime() - cpuBefore;
        await postgres.StartServerAsync();
        Log($"PostgreSQL started after {outage.Elapsed.TotalSeconds:F1} s; server CPU during the outage {cpuDuringOutage.TotalSeconds:F2} s");
        await server.WaitReadyAsync(TimeSpan.FromSeconds(60));
        Log("server ready after the outage");

        // The stall: the database answers (the store check stays green) but every batch commit waits on a lock.
        TimeSpan stallToRed, releaseToGreen;
        string stalledReason;
        await using (var locker = new NpgsqlConnection(postgres.ConnectionString))
        {
            await locker.OpenAsync(ct);
            await using var lockTx = await locker.BeginTransactionAsync(ct);
            await locker.ExecuteAsync("LOCK TABLE sample_ids IN ACCESS EXCLUSIVE MODE", transaction: lockTx);
            var stall = Stopwatch.StartNew();
            await RawInvalidPublisher.PublishConfirmedAsync(rabbit.Uri, stallIds.Select(id => JsonSerializer.Serialize(new
            {
                sampleId = id, occurredAt = DateTimeOffset.UtcNow, model = "fault-model", route = "fault/stall", output = "Waiting for the lock.",
            })).ToList(), ct);
            Log("sample_ids locked, stall samples published");
            var red = await PipelineStateAsync(server, "Unhealthy", TimeSpan.FromSeconds(StallSeconds + 20));
            stallToRed = stall.Elapsed;
            stalledReason = red;
            Log($"/health/ready red {stallToRed.TotalSeconds:F1} s after the stall began (StallSeconds {StallSeconds}): {red}");
            await lockTx.RollbackAsync(ct);
        }
        var released = Stopwatch.StartNew();
        var green = await PipelineStateAsync(server, "Healthy", TimeSpan.FromSeconds(30));
        releaseToGreen = released.Elapsed;
        Log($"/health/ready green {releaseToGreen.TotalSeconds:F1} s after the lock was released: {green}");

        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        await server.KillAsync();
        Log("consumer SIGKILLed (2)");
        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        server.Start();
        await server.WaitReadyAsync(TimeSpan.FromSeconds(60));
        Log("consumer back");

        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        var (stopTook, exitCode) = await server.TerminateAsync(TimeSpan.FromSeconds(45));
        Log($"SIGTERM: stopped in {stopTook.TotalSeconds:F1} s with exit code {exitCode}");
        server.Start();
        await server.WaitReadyAsync(TimeSpan.FromSeconds(60));
        Log("consumer back");

        await publishing;
        Log($"publisher flushed: {publisher.Counters.Confirmed} confirmed, {publisher.Counters.Unconfirmed} unconfirmed and re-sent, {publisher.Counters.Dropped} dropped");

        var invalidCount = ruleBreaking.Count + notJson.Count + loneSurrogate.Count + nulInModel.Count;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        (long Ids, long Total, long Rejected) counts;
        while (true)
        {
            counts = await CountsAsync(postgres, ct);
            if ((counts.Ids >= ValidCount + StallCount && counts.Rejected >= invalidCount) || DateTime.UtcNow > deadline)
                break;
            await Task.Delay(500, ct);
        }
        Log($"drained: {counts.Ids} ids, counters total {counts.Total}, {counts.Rejected} rejected");
        // Nothing more arrives later (no late duplicates, no extra rejections).
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        var settled = await CountsAsync(postgres, ct);

        await using var db = new NpgsqlConnection(postgres.ConnectionString);
        var countedIds = (await db.QueryAsync<string>("SELECT sample_id FROM sample_ids")).ToHashSet();
        var rejected = (await db.QueryAsync<(string Payload, string Errors, string Source)>(
            "SELECT payload, CAST(errors AS text), source FROM rejected_samples")).ToList();
        var errorQueue = await RawInvalidPublisher.DrainAsync(rabbit.Uri, AuditorTopology.Queue + "_error", ct);

        var expectedInvalid = ruleBreaking.Concat(notJson).Concat(loneSurrogate).Concat(nulInModel).ToHashSet();
        foreach (var extra in rejected.Where(r => !expectedInvalid.Contains(r.Payload)).Take(5))
            Log($"unexpected rejection: {extra.Errors} {extra.Payload[..Math.Min(300, extra.Payload.Length)]}");
        Assert.False(readyDuringOutage, "/health/ready stayed 200 while PostgreSQL was down");
        Assert.Contains("stalled", stalledReason);
        Assert.True(stallToRed < TimeSpan.FromSeconds(StallSeconds + 15), $"red only {stallToRed} after the stall began");
        Assert.StartsWith("committing", green);
        Assert.True(cpuDuringOutage < TimeSpan.FromSeconds(6), $"the server used {cpuDuringOutage.TotalSeconds:F1} CPU s in a 20 s outage: it spins");
        Assert.Equal(0, exitCode);
        Assert.True(stopTook < TimeSpan.FromSeconds(30), $"graceful stop took {stopTook}");
        Assert.Equal(0, publisher.Counters.Dropped);
        Assert.Equal((ValidCount + StallCount, ValidCount + StallCount, invalidCount), (counts.Ids, counts.Total, counts.Rejected));
        Assert.Equal(counts, settled);
        Assert.True(countedIds.SetEquals(validIds.Concat(stallIds)), "sample_ids holds exactly the valid samples");
        var byPayload = rejected.ToDictionary(r => r.Payload);
        Assert.All(ruleBreaking, p => Assert.Contains("model.required", byPayload[p].Errors));
        Assert.All(notJson, p => Assert.Contains("\"json\"", byPayload[p].Errors));
        Assert.All(loneSurrogate, p => Assert.Contains("sampleId.surrogate", byPayload[p].Errors));
        Assert.All(nulInModel, p => Assert.Contains("model.nul", byPayload[p].Errors));
        Assert.All(rejected, r => Assert.Equal("rabbitmq", r.Source));
        // Unreadable messages are in the error queue too, with MassTransit's reason in the headers, and only they: text
        // that is not JSON. A lone surrogate is still JSON: the contract's reader, which reads every body, rejects it in
        // the consumer's own transaction, as it does over HTTP.
        var errorBodies = errorQueue.Select(m => m.Body).ToHashSet();
        var unreadable = notJson.ToHashSet();
        Assert.Subset(unreadable, errorBodies);
        Assert.Subset(errorBodies, unreadable);
        Assert.All(errorQueue, m => Assert.Contains(m.Headers.Keys, k => k.StartsWith("MT-Fault-Message", StringComparison.Ordinal)));
        Log($"checked: {ValidCount + StallCount} counted once, {invalidCount} rejected with their reasons, {errorQueue.Count} in the error queue");
        // The server's log stays behind only when the test failed, for the post-mortem.
        await server.DisposeAsync();
        work.Delete(recursive: true);
    }

    private static async Task<(long Ids, long Total, long Rejected)> CountsAsync(PrivatePostgres postgres, CancellationToken ct)
    {
        try
        {
            await using var db = new NpgsqlConnection(postgres.ConnectionString);
            return await db.QuerySingleAsync<(long, long, long)>(new CommandDefinition(
                "SELECT (SELECT COUNT(*) FROM sample_ids), (SELECT COALESCE(SUM(total), 0)::bigint FROM stream_hour_counters), (SELECT COUNT(*) FROM rejected_samples)",
                cancellationToken: ct));
        }
        catch (NpgsqlException)
        {
            return (-1, -1, -1);
        }
    }

    /// <summary>Polls /health/ready until its pipeline check is <paramref name="want"/>; returns that check's description.</summary>
    private static async Task<string> PipelineStateAsync(ServerProcess server, string want, TimeSpan within)
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(8) };
        var deadline = DateTime.UtcNow + within;
        var last = "(no answer)";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync("health/ready");
                var pipeline = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("pipeline");
                last = $"{pipeline.GetProperty("status").GetString()}: {pipeline.GetProperty("description").GetString()}";
                if (pipeline.GetProperty("status").GetString() == want)
                    return pipeline.GetProperty("description").GetString() ?? "";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
            {
                last = ex.Message;
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"the pipeline check was not {want} within {within}; last: {last}\n{server.Tail()}");
    }

    /// <summary>Polls /health/ready until it says <paramref name="wantReady"/> or the time is up; returns the last answer.</summary>
    private static async Task<bool> ReadinessAsync(ServerProcess server, TimeSpan within, bool wantReady)
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(8) };
        var deadline = DateTime.UtcNow + within;
        bool ready;
        do
        {
            try
            {
                ready = (await http.GetAsync("health/ready")).IsSuccessStatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                ready = false;
            }
            if (ready == wantReady)
                return ready;
            await Task.Delay(250);
        }
        while (DateTime.UtcNow < deadline);
        return ready;
    }

    // The clock is read once: a second reading after a "not yet due" test can give a negative wait on a preempted
    // thread, which Task.Delay refuses (it failed a CI rehearsal that way). Auditor.Cli's Pace.UntilAsync is the same
    // rule for the demo and the bench; this project does not reference the CLI.
    private static Task DelayUntilAsync(Stopwatch clock, TimeSpan due, CancellationToken ct)
    {
        var wait = due - clock.Elapsed;
        return wait > TimeSpan.Zero ? Task.Delay(wait, ct) : Task.CompletedTask;
    }
}
