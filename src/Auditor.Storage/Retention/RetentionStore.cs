using System.Data.Common;
using System.Globalization;
using Dapper;

namespace Auditor.Storage.Retention;

/// <summary>
/// Keeps the time-partitioned tables within their retention. On PostgreSQL: creates week partitions from the oldest week a
/// valid sample can land in to <see cref="WeeksAhead"/> weeks ahead, moves rows waiting in a table's DEFAULT partition into
/// their week, and drops whole partitions that ended before the table's cut-off (never deleting rows). On SQLite: deletes
/// rows past the cut-off in batches of <see cref="SqliteBatch"/>, each batch its own short write transaction.
/// Idempotent: a second run with the same clock changes nothing; servers running it together serialize on a lock.
/// </summary>
public sealed class RetentionStore(AuditorDatabase database)
{
    public const int WeeksAhead = 4;
    public const int SqliteBatch = 5_000;

    // Shared by every Auditor process: one maintenance run at a time.
    private const long LockKey = 0x4175_6469_7450_6172;

    public Task<RetentionOutcome> ApplyAsync(RetentionPolicy policy, DateTimeOffset now, CancellationToken ct) =>
        database.Kind == StoreKind.Postgres ? MaintainPartitionsAsync(policy, now, ct) : DeleteInBatchesAsync(policy, now, ct);

    /// <summary>The week partitions of a table on PostgreSQL, by week start, oldest first.</summary>
    public async Task<IReadOnlyList<DateTimeOffset>> PartitionWeeksAsync(string table, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return (await ListPartitionsAsync(c, null, table, ct)).Select(p => p.WeekStart).Order().ToList();
    }

    private async Task<RetentionOutcome> MaintainPartitionsAsync(RetentionPolicy policy, DateTimeOffset now, CancellationToken ct)
    {
        var created = new List<string>();
        var dropped = new List<string>();
        await using var c = await database.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        // Creating and dropping a partition locks its parent briefly; waiting behind a long report query would stall
        // the consumers queued behind this job, so give up and try again on the next run instead.
        await c.ExecuteAsync(new CommandDefinition("SET LOCAL lock_timeout = '5s'", transaction: tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@key)", new { key = LockKey }, tx, cancellationToken: ct));

        var first = TimePartitionedTables.WeekStart(now - TimeSpan.FromDays(RetentionPolicy.MinimumSampleIdsDays));
        var last = TimePartitionedTables.WeekStart(now).AddDays(7 * WeeksAhead);
        foreach (var table in TimePartitionedTables.Under(policy))
        {
            var waiting = await c.QueryAsync<DateTime>(new CommandDefinition(
                $"SELECT DISTINCT date_trunc('week', {table.TimeColumn} AT TIME ZONE 'UTC') FROM {table.Name}_default",
                transaction: tx, cancellationToken: ct));
            var weeks = waiting.Select(w => new DateTimeOffset(DateTime.SpecifyKind(w, DateTimeKind.Utc)))
                .Concat(Weeks(first, last)).Distinct().Order();
            foreach (var week in weeks)
            {
                if (await c.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT auditor_create_week_partition(@table, @column, @week)",
                        new { table = table.Name, column = table.TimeColumn, week }, tx, cancellationToken: ct)))
                    created.Add(PartitionName(table.Name, week));
            }
            if (RetentionPolicy.Before(now, table.Days) is not { } before)
                continue;
            foreach (var partition in await ListPartitionsAsync(c, tx, table.Name, ct))
            {
                if (partition.WeekStart.AddDays(7) > before)
                    continue;
                // The name comes from the catalogue and matched the partition pattern; quoted all the same.
                await c.ExecuteAsync(new CommandDefinition($"DROP TABLE \"{partition.Name}\"", transaction: tx, cancellationToken: ct));
                dropped.Add(partition.Name);
            }
        }
        await tx.CommitAsync(ct);
        return new RetentionOutcome(created, dropped, new Dictionary<string, long>());
    }

    private async Task<RetentionOutcome> DeleteInBatchesAsync(RetentionPolicy policy, DateTimeOffset now, CancellationToken ct)
    {
        var deleted = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in TimePartitionedTables.Under(policy))
        {
            if (RetentionPolicy.Before(now, table.Days) is not { } before)
                continue;
            var sql = $"DELETE FROM {table.Name} WHERE rowid IN (SELECT rowid FROM {table.Name} WHERE {table.TimeColumn} < @before LIMIT {SqliteBatch})";
            long total = 0;
            while (true)
            {
                await using var c = await database.OpenAsync(ct);
                var n = await c.ExecuteAsync(new CommandDefinition(sql, new { before }, cancellationToken: ct));
                total += n;
                if (n < SqliteBatch)
                    break;
            }
            deleted[table.Name] = total;
        }
        return new RetentionOutcome([], [], deleted);
    }

    private static IEnumerable<DateTimeOffset> Weeks(DateTimeOffset first, DateTimeOffset last)
    {
        for (var w = first; w <= last; w = w.AddDays(7))
            yield return w;
    }

    private static string PartitionName(string table, DateTimeOffset week) =>
        $"{table}_w{week.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}";

    private static async Task<List<(string Name, DateTimeOffset WeekStart)>> ListPartitionsAsync(DbConnection c, DbTransaction? tx, string table, CancellationToken ct)
    {
        const string sql = """
            SELECT child.relname FROM pg_inherits i
            JOIN pg_class child ON child.oid = i.inhrelid JOIN pg_class parent ON parent.oid = i.inhparent
            JOIN pg_namespace n ON n.oid = parent.relnamespace
            WHERE parent.relname = @table AND n.nspname = current_schema()
            """;
        var prefix = table + "_w";
        return (await c.QueryAsync<string>(new CommandDefinition(sql, new { table }, tx, cancellationToken: ct)))
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal) && name.Length == prefix.Length + 8)
            .Select(name => (name, Ok: DateTime.TryParseExact(name[prefix.Length..], "yyyyMMdd", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d), d))
            .Where(p => p.Ok)
            .Select(p => (p.name, new DateTimeOffset(DateTime.SpecifyKind(p.d, DateTimeKind.Utc))))
            .ToList();
    }
}
