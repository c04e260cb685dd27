using Dapper;

namespace Auditor.Storage.Transport;

/// <summary>One version of the intake shard count: the value, when and by which process it was set.</summary>
public sealed record IntakeShardCount(long VersionId, int Shards, DateTimeOffset SetAt, string SetBy);

/// <summary>
/// The intake shard count's versions (table intake_shard_counts). The newest version is the topology every RabbitMQ
/// server binds: a server records its configured count when it starts and that differs from the newest, so the last
/// process started with a new value sets it, and processes still running the old value follow it (ADR 0014, addendum).
/// </summary>
public sealed class IntakeShardCountStore(AuditorDatabase database, TimeProvider clock)
{
    private const string Columns = "version_id AS VersionId, shards AS Shards, set_at AS SetAt, set_by AS SetBy";

    private const string NewestSql = $"SELECT {Columns} FROM intake_shard_counts ORDER BY version_id DESC LIMIT 1";

    /// <summary>The newest version, or null before any server recorded one.</summary>
    public async Task<IntakeShardCount?> NewestAsync(CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return (await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(NewestSql, cancellationToken: ct)))?.ToCount();
    }

    /// <summary>
    /// Makes <paramref name="shards"/> the newest version unless it already is; returns the newest version after. Two
    /// processes starting together with different values both write: the later insert is the newest, for all of them.
    /// </summary>
    public async Task<IntakeShardCount> RecordIfChangedAsync(int shards, string setBy, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shards);
        await using var c = await database.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var newest = (await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(NewestSql, transaction: tx, cancellationToken: ct)))?.ToCount();
        if (newest is not null && newest.Shards == shards)
            return newest;
        var recorded = (await c.QuerySingleAsync<Row>(new CommandDefinition(
            $"INSERT INTO intake_shard_counts (shards, set_at, set_by) VALUES (@shards, @at, @setBy) RETURNING {Columns}",
            new { shards, at = clock.GetUtcNow(), setBy }, tx, cancellationToken: ct))).ToCount();
        await tx.CommitAsync(ct);
        return recorded;
    }

    private sealed class Row
    {
        public long VersionId { get; set; }
        public long Shards { get; set; }
        public DateTimeOffset SetAt { get; set; }
        public string SetBy { get; set; } = "";

        public IntakeShardCount ToCount() => new(VersionId, checked((int)Shards), SetAt, SetBy);
    }
}
