// Samples search latency over 100,000 stored samples on PostgreSQL and SQLite (issue #17 item 4): a phrase held by 1% of
// the outputs, a word held by every output (the worst case for the count), and the unfiltered newest-first page.
// Each figure is FindAsync as the page calls it (count + one page of 25 + the page's detector results), wall time,
// median and 95th percentile of 20 runs after 3 warm-up runs.
// Run: AUDITOR_TEST_POSTGRES="Host=127.0.0.1;Port=5432;Database=auditor;Username=auditor;Password=auditor" dotnet run bench/sample-search-latency.cs
#:project ../src/Auditor.Storage
#:property Configuration=Release
#:property PublishAot=false
using System.Diagnostics;
using Auditor.Storage;
using Auditor.Storage.Samples;
using Dapper;
using Npgsql;

const int n = 100_000;
var pg = Environment.GetEnvironmentVariable("AUDITOR_TEST_POSTGRES") ?? throw new InvalidOperationException("Set AUDITOR_TEST_POSTGRES.");
var dbName = "auditor_search_bench_" + Environment.ProcessId;
await using (var admin = new NpgsqlConnection(pg)) { await admin.OpenAsync(); await admin.ExecuteAsync($"CREATE DATABASE {dbName}"); }
var sqliteFile = Path.Combine(Path.GetTempPath(), dbName + ".db");
try
{
    foreach (var (kind, cs) in new[] { (StoreKind.Sqlite, $"Data Source={sqliteFile}"), (StoreKind.Postgres, new NpgsqlConnectionStringBuilder(pg) { Database = dbName }.ToString()) })
    {
        await using var db = AuditorDatabase.Create(kind, cs);
        await db.MigrateAsync(default);
        var load = Stopwatch.StartNew();
        await FillAsync(db, n);
        Console.WriteLine($"{kind}: {n:N0} samples stored in {load.Elapsed.TotalSeconds:0} s");
        var search = new SampleSearch(db);
        foreach (var (label, text) in new[] { ("phrase \"quarterly migration window\" (1,000 rows)", "\"quarterly migration window\""), ("word \"the\" (every row)", "the"), ("no text, newest first", null) })
        {
            var q = new SampleQuery(null, null, null, null, DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow.AddDays(1), 25,
                Text: text is null ? null : SampleTextQuery.Parse(text, out _));
            SamplePage page = null!;
            for (var i = 0; i < 3; i++) page = await search.FindAsync(q, default);
            var times = new List<double>();
            for (var i = 0; i < 20; i++)
            {
                var sw = Stopwatch.StartNew();
                page = await search.FindAsync(q with { Offset = i % 4 * 25 }, default);
                times.Add(sw.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            Console.WriteLine($"{kind}: {label}: total {page.Total:N0}, median {times[10]:0.0} ms, p95 {times[18]:0.0} ms");
        }
    }
}
finally
{
    NpgsqlConnection.ClearAllPools();
    await using (var admin = new NpgsqlConnection(pg)) { await admin.OpenAsync(); await admin.ExecuteAsync($"DROP DATABASE IF EXISTS {dbName} WITH (FORCE)"); }
    foreach (var f in new[] { sqliteFile, sqliteFile + "-wal", sqliteFile + "-shm" }) File.Delete(f);
}

static async Task FillAsync(AuditorDatabase db, int count)
{
    var random = new Random(17);
    var vocabulary = Enumerable.Range(0, 3000).Select(_ => new string(Enumerable.Range(0, random.Next(3, 10)).Select(_ => (char)('a' + random.Next(26))).ToArray())).ToArray();
    var now = DateTimeOffset.UtcNow;
    await using var c = await db.OpenAsync(default);
    for (var start = 0; start < count; start += 5000)
    {
        await using var tx = await c.BeginTransactionAsync();
        var rows = Enumerable.Range(start, Math.Min(5000, count - start)).Select(i =>
        {
            var words = Enumerable.Range(0, 100).Select(_ => vocabulary[random.Next(vocabulary.Length)]).ToList();
            words.Insert(random.Next(words.Count), "the");
            if (i % 100 == 0)
                words.Insert(random.Next(words.Count), "quarterly migration window");
            return new
            {
                id = $"bench-{i:D6}", model = "llama-3.1-8b-instruct", route = i % 10 == 0 ? "support/answer" : "chat/answer", deployment = i % 2 == 0 ? "h100-fp8" : "h100-bf16",
                at = now.AddSeconds(-i * 6), output = string.Join(' ', words), flagged = i % 3 == 0, features = "{}",
            };
        }).ToList();
        await c.ExecuteAsync($"""
            INSERT INTO samples (sample_id, model, route, deployment, occurred_at, received_at, output, sampling_rate, flagged, features)
            VALUES (@id, @model, @route, @deployment, @at, @at, @output, 1.0, @flagged, {db.Json("features")})
            """, rows, tx);
        await tx.CommitAsync();
    }
    if (db.Kind == StoreKind.Postgres)
        await c.ExecuteAsync("ANALYZE samples");
}
