using System.Text.Json;
using Auditor.Contracts;
using Auditor.Storage.Samples;
using Dapper;

namespace Auditor.Storage.Rejected;

/// <summary>One kept rejection: when, from where, the sample id if one could be read, every broken rule, the payload.</summary>
public sealed record RejectedRecord(long Id, DateTimeOffset ReceivedAt, string Source, string? SampleId,
    IReadOnlyList<ContractViolation> Errors, RejectedPayload Payload);

/// <summary>
/// Filters for kept rejections, newest first. <paramref name="Before"/> is the id to page back from (the last id of the
/// previous page); every value is a parameter.
/// </summary>
public sealed record RejectedQuery(string? Source, string? Rule, DateTimeOffset? From, DateTimeOffset? To, long? Before, int Limit = 50);

/// <summary>Reads <c>rejected_samples</c> for admins: the list, one record, and whether a sample id was rejected.</summary>
public sealed class RejectedSampleReader(AuditorDatabase database)
{
    private const string Columns = """
        id AS Id, received_at AS ReceivedAt, source AS Source, sample_id AS SampleId, CAST(errors AS text) AS Errors,
        payload AS Payload, payload_encoding AS PayloadEncoding, payload_length AS PayloadLength,
        payload_truncated AS PayloadTruncated, payload_hash AS PayloadHash
        """;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<IReadOnlyList<RejectedRecord>> FindAsync(RejectedQuery query, CancellationToken ct)
    {
        var rule = database.Kind == StoreKind.Postgres
            ? "errors @> jsonb_build_array(jsonb_build_object('rule', CAST(@Rule AS text)))"
            : "EXISTS (SELECT 1 FROM json_each(errors) e WHERE json_extract(e.value, '$.rule') = @Rule)";
        var sql = $"""
            SELECT {Columns} FROM rejected_samples
            WHERE (@Source IS NULL OR source = @Source)
              AND (@Rule IS NULL OR {rule})
              AND received_at >= @From AND received_at < @To AND id < @Before
            ORDER BY id DESC
            LIMIT @Limit
            """;
        await using var c = await database.OpenAsync(ct);
        var rows = await c.QueryAsync<Row>(new CommandDefinition(sql, new
        {
            // Open bounds as values, not NULLs: PostgreSQL cannot type a NULL parameter compared with a time.
            query.Source, query.Rule, From = query.From ?? DateTimeOffset.UnixEpoch, To = query.To ?? new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero),
            Before = query.Before ?? long.MaxValue, Limit = Math.Clamp(query.Limit, 1, 200),
        }, cancellationToken: ct));
        return rows.Select(r => r.ToRecord()).ToList();
    }

    public async Task<RejectedRecord?> GetAsync(long id, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return (await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM rejected_samples WHERE id = @id", new { id }, cancellationToken: ct)))?.ToRecord();
    }

    /// <summary>Whether a payload with this sample id was rejected (kept in rejected_samples).</summary>
    public async Task<bool> WasRejectedAsync(string sampleId, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM rejected_samples WHERE sample_id = @sampleId", new { sampleId }, cancellationToken: ct)) > 0;
    }

    private sealed class Row
    {
        public long Id { get; set; }
        public DateTimeOffset ReceivedAt { get; set; }
        public string Source { get; set; } = "";
        public string? SampleId { get; set; }
        public string Errors { get; set; } = "[]";
        public string Payload { get; set; } = "";
        public string? PayloadEncoding { get; set; }
        public long? PayloadLength { get; set; }
        public bool PayloadTruncated { get; set; }
        public string PayloadHash { get; set; } = "";

        public RejectedRecord ToRecord() => new(Id, ReceivedAt, Source, SampleId,
            JsonSerializer.Deserialize<List<ContractViolation>>(Errors, Json) ?? [],
            new RejectedPayload(Payload, PayloadEncoding ?? RejectedPayload.Utf8,
                // Rows kept before migration 0007 were all text and all kept whole.
                PayloadLength ?? System.Text.Encoding.UTF8.GetByteCount(Payload), PayloadTruncated, PayloadHash));
    }
}
