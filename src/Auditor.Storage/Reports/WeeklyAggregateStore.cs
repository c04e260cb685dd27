using Dapper;

namespace Auditor.Storage.Reports;

/// <summary>
/// Stores a week's aggregates (migration 0013): stream and detector counters per week, stream and deployment, and review
/// items queued per stream and stratum, summed from the hour counters and review items in one transaction. Only
/// the aggregate job builds (and the admin's report run); readers never do, so a report request never rebuilds a stored week.
/// </summary>
public sealed class WeeklyAggregateStore(AuditorDatabase database)
{
    /// <summary>The weeks (Monday 00:00 UTC) stored in [from, to).</summary>
    public async Task<IReadOnlySet<DateTimeOffset>> StoredWeeksAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<DateTimeOffset>(new CommandDefinition(
            "SELECT week_start FROM week_aggregates WHERE week_start >= @from AND week_start < @to", new { from, to }, cancellationToken: ct))).ToHashSet();
    }

    /// <summary>
    /// Stores the week starting at <paramref name="weekStart"/>, replacing what was stored for it. Servers building the
    /// same week take turns on its week_aggregates row.
    /// </summary>
    public async Task BuildAsync(DateTimeOffset weekStart, DateTimeOffset now, CancellationToken ct)
    {
        var args = new { week = weekStart, end = weekStart.AddDays(7), now };
        await using var c = await database.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        await c.ExecuteAsync(new CommandDefinition("INSERT INTO week_aggregates (week_start, built_at) VALUES (@week, @now) ON CONFLICT (week_start) DO NOTHING",
            args, tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition($"SELECT week_start FROM week_aggregates WHERE week_start = @week {database.ForUpdate}", args, tx, cancellationToken: ct));
        foreach (var table in new[] { "week_stream_counts", "week_detector_counts", "week_review_items" })
            await c.ExecuteAsync(new CommandDefinition($"DELETE FROM {table} WHERE week_start = @week", args, tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO week_stream_counts (week_start, model, route, deployment, total, flagged, volume, flagged_volume, first_hour, last_hour)
            SELECT @week, model, route, deployment, SUM(total), SUM(flagged), SUM(volume), SUM(flagged_volume), MIN(hour), MAX(hour)
            FROM stream_hour_counters WHERE hour >= @week AND hour < @end GROUP BY model, route, deployment
            """, args, tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO week_detector_counts (week_start, model, route, deployment, detector, flagged, flagged_volume)
            SELECT @week, model, route, deployment, detector, SUM(flagged), SUM(flagged_volume)
            FROM detector_hour_counters WHERE hour >= @week AND hour < @end GROUP BY model, route, deployment, detector
            """, args, tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO week_review_items (week_start, model, route, stratum, items)
            SELECT @week, model, route, stratum, COUNT(*) FROM review_items WHERE created_at >= @week AND created_at < @end GROUP BY model, route, stratum
            """, args, tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition("UPDATE week_aggregates SET built_at = @now WHERE week_start = @week", args, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
    }

    /// <summary>The weeks stored in [from, to) with when each was built.</summary>
    public async Task<IReadOnlyDictionary<DateTimeOffset, DateTimeOffset>> BuiltAtAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<(DateTimeOffset Week, DateTimeOffset BuiltAt)>(new CommandDefinition(
            "SELECT week_start, built_at FROM week_aggregates WHERE week_start >= @from AND week_start < @to", new { from, to }, cancellationToken: ct)))
            .ToDictionary(r => r.Week, r => r.BuiltAt);
    }
}
