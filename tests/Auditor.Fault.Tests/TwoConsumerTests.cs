using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Npgsql;
using Xunit.Abstractions;

namespace Auditor.Fault.Tests;

/// <summary>
/// Issue #18, item 4: two server processes on one PostgreSQL database and one RabbitMQ queue. Everything a consumer
/// judges with (thresholds, length baselines, drift models) lives in the database, versioned, so two consumers judge a
/// sample alike, and the dedupe table makes a sample count once whichever of them commits it. 50,000 samples are
/// published while both consume and one is SIGKILLed half-way (its unacknowledged messages go to the other).
/// Agreement is checked on what they decided: the samples repeat 200 distinct outputs, so every stored copy of one output
/// must carry the same score, threshold and verdict from every detector, whichever process judged it.
/// </summary>
public sealed partial class TwoConsumerTests(ITestOutputHelper output)
{
    private const int Streams = 4;
    private const int SeedsPerStream = 600;
    private const int Count = 50_000;
    private const int DistinctOutputs = 200;
    private const double HandSetThreshold = 0.77;
    private const string AdminPassword = "two-consumer-admin-password";

    [Fact]
    public async Task Two_consumers_count_every_sample_once_through_a_SIGKILL_and_judge_alike()
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = budget.Token;
        var clock = Stopwatch.StartNew();
        void Log(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1}s {what}");

        await using var postgres = await PrivatePostgres.StartAsync();
        await using var rabbit = await PrivateRabbitMq.StartAsync();
        var env = new Dictionary<string, string>
        {
            ["Auditor__Transport"] = "RabbitMq",
            ["Auditor__Store"] = "Postgres",
            ["ConnectionStrings__RabbitMq"] = rabbit.Uri.ToString(),
            ["ConnectionStrings__Postgres"] = postgres.ConnectionString,
            ["Auditor__Ingest__ApiKeys__0"] = "two-consumer-ingest-key",
            ["AUDITOR_ADMIN_PASSWORD"] = AdminPassword,
            ["Auditor__Review__UniformFraction"] = "0.5",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        var workA = Directory.CreateTempSubdirectory("auditor-two-a-");
        var workB = Directory.CreateTempSubdirectory("auditor-two-b-");
        await using var a = new ServerProcess(env, workA.FullName);
        await using var b = new ServerProcess(env, workB.FullName);
        Log($"server logs: {workA.FullName}/server.log, {workB.FullName}/server.log");

        // Seeds: enough uniform-stratum samples per stream for a length baseline (50) and a drift model (200), two hours
        // old, since a length baseline reads whole hours only.
        a.Start();
        await a.WaitReadyAsync(TimeSpan.FromSeconds(90));
        var run = Guid.NewGuid().ToString("N")[..8];
        var seeds = Enumerable.Range(0, Streams * SeedsPerStream)
            .Select(i => Body($"seed-{run}-{i:D5}", i % Streams, Text(new Random(i), 40 + i % 400), DateTimeOffset.UtcNow.AddHours(-2))).ToList();
        await RawInvalidPublisher.PublishConfirmedAsync(rabbit.Uri, seeds, ct);
        await WaitCountedAsync(postgres, seeds.Count, TimeSpan.FromSeconds(90), ct);
        Log($"{seeds.Count} seed samples counted by A");

        using (var admin = AdminClient(a))
        {
            var trained = await admin.PostAsync("api/v1/drift/train", null, ct);
            Assert.True(trained.IsSuccessStatusCode, $"drift training: {(int)trained.StatusCode} {await trained.Content.ReadAsStringAsync(ct)}");
            var set = await admin.PostAsJsonAsync("api/v1/thresholds",
                new { detector = "degeneration", model = "two-model", route = Route(0), threshold = HandSetThreshold, reason = "two-consumer test" }, ct);
            Assert.True(set.IsSuccessStatusCode, $"threshold: {(int)set.StatusCode} {await set.Content.ReadAsStringAsync(ct)}");
        }
        var driftVersions = await ScalarAsync(postgres, "SELECT COUNT(*) FROM drift_models WHERE status = 'active'", ct);
        Log($"drift models trained ({driftVersions} active), degeneration threshold set on {Route(0)}");
        Assert.Equal(Streams, driftVersions);

        // Both consumers start from the same database: A again (its length baselines are built at start), B for the first time.
        await a.KillAsync();
        a.Start();
        b.Start();
        await Task.WhenAll(a.WaitReadyAsync(TimeSpan.FromSeconds(90)), b.WaitReadyAsync(TimeSpan.FromSeconds(90)));
        Log("A and B ready");

        var ids = Enumerable.Range(0, Count).Select(i => $"two-{run}-{i:D6}").ToArray();
        var outputs = Enumerable.Range(0, DistinctOutputs).Select(k => Text(new Random(1000 + k), 30 + k * 3)).ToArray();
        var publishing = RawInvalidPublisher.PublishConfirmedAsync(rabbit.Uri,
            ids.Select((id, i) => Body(id, i % Streams, outputs[i % DistinctOutputs], DateTimeOffset.UtcNow)).ToList(), ct);

        var total = seeds.Count + Count;
        await WaitCountedAsync(postgres, seeds.Count + Count * 2 / 5, TimeSpan.FromSeconds(150), ct);
        var countedByB = await CountedByAsync(b, ct);
        // B's batches in flight are lost uncommitted or committed unacknowledged: either way they come back to A from the
        // queue, and the dedupe table keeps a committed one from counting twice. B stays down, so every sample was judged
        // by the state both loaded at start.
        await b.KillAsync();
        Log($"B SIGKILLed after counting {countedByB} samples; {await ScalarAsync(postgres, "SELECT COUNT(*) FROM sample_ids", ct)} counted in all");
        await publishing;
        Log("all published and confirmed");

        await WaitCountedAsync(postgres, total, TimeSpan.FromSeconds(180), ct);
        var countedByA = await CountedByAsync(a, ct);
        await Task.Delay(TimeSpan.FromSeconds(3), ct); // nothing more arrives: no late duplicate counts
        Log($"drained; A counted {countedByA} since its restart, B {countedByB} before it was killed");

        await using var db = new NpgsqlConnection(postgres.ConnectionString);
        var counted = (await db.QueryAsync<string>("SELECT sample_id FROM sample_ids WHERE sample_id LIKE @p", new { p = $"two-{run}-%" })).ToHashSet();
        var counterTotal = await db.ExecuteScalarAsync<long>("SELECT SUM(total) FROM stream_hour_counters");
        var indicatorSamples = await db.ExecuteScalarAsync<long>("SELECT SUM(samples) FROM indicator_hour_counters WHERE indicator = 'blank'");
        // Every stored copy of one output on one stream must have been judged alike by every detector.
        var disagreements = (await db.QueryAsync<(string Route, string Detector, long Variants)>("""
            SELECT s.route, r.detector, COUNT(DISTINCT (r.score, r.threshold, r.flagged, r.abstained))
            FROM detector_results r JOIN samples s ON s.sample_id = r.sample_id
            WHERE s.sample_id LIKE @p
            GROUP BY s.route, md5(s.output), r.detector
            HAVING COUNT(DISTINCT (r.score, r.threshold, r.flagged, r.abstained)) > 1
            """, new { p = $"two-{run}-%" })).ToList();
        var judged = (await db.QueryAsync<(string Detector, long Results, long Abstained)>("""
            SELECT r.detector, COUNT(*), COUNT(*) FILTER (WHERE r.abstained)
            FROM detector_results r WHERE r.sample_id LIKE @p GROUP BY r.detector ORDER BY r.detector
            """, new { p = $"two-{run}-%" })).ToList();
        var handSet = (await db.QueryAsync<double>("""
            SELECT DISTINCT r.threshold FROM detector_results r JOIN samples s ON s.sample_id = r.sample_id
            WHERE s.sample_id LIKE @p AND s.route = @route AND r.detector = 'degeneration'
            """, new { p = $"two-{run}-%", route = Route(0) })).ToList();
        foreach (var (detector, results, abstained) in judged)
            Log($"{detector}: {results} results, {abstained} abstained");
        foreach (var d in disagreements.Take(5))
            Log($"disagreement: {d.Route} {d.Detector} {d.Variants} variants");

        Assert.True(countedByB > 0, "B counted nothing before it was killed: the two did not share the queue");
        Assert.True(countedByA > 0, "A counted nothing");
        Assert.True(counted.SetEquals(ids), $"sample_ids holds {counted.Count} of the {Count} samples, or others");
        Assert.Equal(total, counterTotal);
        Assert.Equal(total, indicatorSamples);
        Assert.Empty(disagreements);
        Assert.Equal([HandSetThreshold], handSet);
        // The state they agreed on is real: drift models and length baselines judged (did not abstain on) the samples.
        Assert.Contains(judged, j => j.Detector == "drift.anomaly" && j.Abstained == 0);
        Assert.Contains(judged, j => j.Detector == "length" && j.Abstained == 0);
        Log($"checked: {Count} counted once, every output judged alike by both processes");
        await a.DisposeAsync();
        await b.DisposeAsync();
        workA.Delete(recursive: true);
        workB.Delete(recursive: true);
    }

    private static string Route(int stream) => $"two/stream-{stream}";

    private static string Body(string id, int stream, string text, DateTimeOffset occurredAt) => JsonSerializer.Serialize(new
    {
        sampleId = id,
        occurredAt,
        model = "two-model",
        route = Route(stream),
        output = text,
        finishReason = "stop",
        completionTokens = text.Length / 4,
        maxTokens = 1024,
    });

    private static readonly string[] Words =
        ["order", "ships", "within", "days", "refund", "account", "the", "your", "is", "was", "we", "can", "check", "status", "today", "again"];

    private static string Text(Random random, int length)
    {
        var text = new StringBuilder(length + 12);
        while (text.Length < length)
            text.Append(Words[random.Next(Words.Length)]).Append(random.Next(9) == 0 ? ". " : " ");
        return text.ToString().TrimEnd();
    }

    private static HttpClient AdminClient(ServerProcess server)
    {
        var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{AdminPassword}")));
        return http;
    }

    /// <summary>This process's auditor_samples_counted_total for the queue, from its own /metrics.</summary>
    private static async Task<long> CountedByAsync(ServerProcess server, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        var text = await http.GetStringAsync("metrics", ct);
        var match = CountedLine().Match(text);
        return match.Success ? (long)double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex("""^auditor_samples_counted_total\{[^}]*source="rabbitmq"[^}]*\} ([0-9.e+]+)""", RegexOptions.Multiline)]
    private static partial Regex CountedLine();

    private static async Task WaitCountedAsync(PrivatePostgres postgres, long want, TimeSpan within, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + within;
        long have;
        while ((have = await ScalarAsync(postgres, "SELECT COUNT(*) FROM sample_ids", ct)) < want)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"only {have} of {want} samples counted within {within}");
            await Task.Delay(200, ct);
        }
    }

    private static async Task<long> ScalarAsync(PrivatePostgres postgres, string sql, CancellationToken ct)
    {
        try
        {
            await using var db = new NpgsqlConnection(postgres.ConnectionString);
            return await db.ExecuteScalarAsync<long>(new CommandDefinition(sql, cancellationToken: ct));
        }
        catch (NpgsqlException)
        {
            return -1;
        }
    }
}
