using System.Security.Cryptography;
using System.Text;
using Auditor.Contracts;
using Auditor.Detection;
using Auditor.Review.Routing;
using Auditor.Storage.Samples;
using Auditor.Testing;
using Dapper;

namespace Auditor.Storage.Tests;

/// <summary>
/// A sample the store refuses for a data reason is set aside (rejected_samples, rule store) and its neighbours commit;
/// whatever was rejected can always be kept, exactly. Runs on both stores.
/// </summary>
public abstract class DataErrorIsolationContractTests : MigratedDatabaseTest
{
    private static readonly DetectorRegistry Detectors = new(DetectorRegistry.Builtin(), new DefaultDetectorSettings());

    private SampleBatchWriter Writer => new(Database, TimeProvider.System);

    protected static AuditedSample Audited(OutputSample sample) => new(sample, Detectors.Inspect(sample), new RoutingDecision(null, 0.02));

    protected async Task<IReadOnlyList<RejectedRow>> RejectedRowsAsync()
    {
        await using var c = await Database.OpenAsync(default);
        return (await c.QueryAsync<RejectedRow>("""
            SELECT sample_id AS SampleId, source AS Source, CAST(errors AS text) AS Errors, payload AS Payload,
                   payload_encoding AS Encoding, payload_length AS Length, CAST(CAST(payload_truncated AS integer) AS bigint) AS Truncated, payload_hash AS Hash
            FROM rejected_samples ORDER BY id
            """)).ToList();
    }

    protected async Task<long> CountedAsync()
    {
        await using var c = await Database.OpenAsync(default);
        return await c.ExecuteScalarAsync<long>("SELECT COALESCE(SUM(total), 0) FROM stream_hour_counters");
    }

    [Fact]
    public async Task Splits_a_batch_the_store_refuses_and_keeps_only_the_refused_sample_aside()
    {
        var good = Enumerable.Range(0, 37).Select(_ => TestSamples.Valid()).ToList();
        var refused = TestSamples.Valid() with { Model = null }; // NOT NULL in both stores (the contract would reject it first)
        var batch = good.Take(20).Append(refused).Concat(good.Skip(20)).Select(Audited).ToList();

        var outcome = await Writer.CommitAsync(batch, [], "rabbitmq", default);

        Assert.Equal(37, outcome.Counted);
        Assert.Equal(37, await CountedAsync());
        var row = Assert.Single(await RejectedRowsAsync());
        Assert.Equal(("rabbitmq", refused.SampleId), (row.Source, row.SampleId));
        Assert.Contains("\"store\"", row.Errors, StringComparison.Ordinal);
        Assert.Equal(1, outcome.Rejected);
        Assert.Single(outcome.Refused);
    }

    [Fact]
    public async Task Keeps_a_payload_that_is_not_UTF8_or_holds_a_NUL_as_base64_of_its_exact_bytes()
    {
        byte[] notUtf8 = [(byte)'{', 0xFF, 0xC3, (byte)'}'];
        var withNul = "{\"sampleId\":\"a\0b\"}"u8.ToArray();
        var errors = new[] { new ContractViolation("$", "json", "not JSON") };

        await Writer.RecordRejectedAsync([
            new RejectedSample("http", null, errors, RejectedPayload.FromBytes(notUtf8)),
            new RejectedSample("rabbitmq", "a\0b", errors, RejectedPayload.FromBytes(withNul)),
            new RejectedSample("http", "x\udc00", [new ContractViolation("sampleId", "sampleId.surrogate", "x\udc00 \0")], "{\"plain\":1}"),
        ], default);

        var rows = await RejectedRowsAsync();
        Assert.Equal(3, rows.Count);
        Assert.Equal("base64", rows[0].Encoding);
        Assert.Equal(notUtf8, Convert.FromBase64String(rows[0].Payload));
        Assert.Equal("base64", rows[1].Encoding);
        Assert.Equal(withNul, Convert.FromBase64String(rows[1].Payload));
        Assert.Equal("a\uFFFDb", rows[1].SampleId);
        Assert.Equal(("utf8", "{\"plain\":1}", "x\uFFFD"), (rows[2].Encoding, rows[2].Payload, rows[2].SampleId));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(notUtf8)), rows[0].Hash);
        Assert.All(rows, r => Assert.Equal(0, r.Truncated));
        Assert.Equal([4L, withNul.Length, 11L], rows.Select(r => r.Length));
    }

    [Fact]
    public async Task Keeps_the_start_of_a_whole_body_with_its_full_length()
    {
        var body = Encoding.UTF8.GetBytes("[" + new string('é', 40_000)); // 80,001 bytes, two-byte characters

        await Writer.RecordRejectedAsync([new RejectedSample("http", null, [new ContractViolation("$", "json", "not JSON")],
            RejectedPayload.FromBytes(body, RejectedPayload.MaxWholeBodyBytes))], default);

        var row = Assert.Single(await RejectedRowsAsync());
        Assert.Equal(("utf8", 80_001L, 1L), (row.Encoding, row.Length, row.Truncated));
        Assert.InRange(Encoding.UTF8.GetByteCount(row.Payload), RejectedPayload.MaxWholeBodyBytes - 3, RejectedPayload.MaxWholeBodyBytes);
        Assert.StartsWith("[éé", row.Payload, StringComparison.Ordinal);
    }

    public sealed record RejectedRow(string? SampleId, string Source, string Errors, string Payload, string Encoding, long Length, long Truncated, string Hash);
}

public sealed class SqliteDataErrorIsolationTests : DataErrorIsolationContractTests
{
    protected override StoreKind Kind => StoreKind.Sqlite;
}

public sealed class PostgresDataErrorIsolationTests : DataErrorIsolationContractTests
{
    protected override StoreKind Kind => StoreKind.Postgres;

    // What issue #13 saw: a NUL in sampleId or model (SQLSTATE 22021) failed the whole batch, retried for ever.
    [Fact]
    public async Task A_NUL_PostgreSQL_refuses_is_set_aside_with_its_message_and_the_batch_commits()
    {
        var good = Enumerable.Range(0, 10).Select(_ => TestSamples.Valid()).ToList();
        var nulId = TestSamples.Valid() with { SampleId = "nul\0id" };
        var nulModel = TestSamples.Valid() with { Model = "m\0" };
        var surrogate = TestSamples.Valid() with { Route = "r\udc00" };

        var outcome = await new SampleBatchWriter(Database, TimeProvider.System)
            .CommitAsync(good.Take(5).Append(nulId).Append(nulModel).Append(surrogate).Concat(good.Skip(5)).Select(Audited).ToList(), [], "rabbitmq", default);

        Assert.Equal(10, outcome.Counted);
        Assert.Equal(10, await CountedAsync());
        var rows = await RejectedRowsAsync();
        Assert.Equal(3, rows.Count);
        Assert.Contains(rows, r => r.SampleId == "nul\uFFFDid" && r.Errors.Contains("22021", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.SampleId == nulModel.SampleId && r.Errors.Contains("\"store\"", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.SampleId == surrogate.SampleId);
    }
}
