using Auditor.Review.Estimation;
using Auditor.Review.Incidents;
using Dapper;

namespace Auditor.Storage.Incidents;

/// <summary>Reads incidents and moves them through their life: confirm, resolve, merge. Opening is <see cref="IncidentRecorder"/>'s.</summary>
public sealed class IncidentStore(AuditorDatabase database, TimeProvider clock)
{
    internal const string Columns = """
        incident_id AS IncidentId, model AS Model, route AS Route, source AS Source, category AS Category, status AS Status,
        onset_at AS OnsetAt, detected_at AS DetectedAt, detected_by AS DetectedBy, summary AS Summary,
        confirmed_at AS ConfirmedAt, confirmed_by AS ConfirmedBy, resolved_at AS ResolvedAt, resolved_by AS ResolvedBy, merged_into AS MergedInto,
        deployment AS Deployment
        """;

    /// <summary>Open and confirmed incidents first, then the latest others.</summary>
    public async Task<IReadOnlyList<Incident>> ListAsync(int limit, CancellationToken ct)
    {
        var sql = $"""
            SELECT {Columns} FROM incidents
            ORDER BY CASE WHEN status IN ('open', 'confirmed') THEN 0 ELSE 1 END, detected_at DESC, incident_id DESC
            LIMIT @limit
            """;
        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<IncidentRow>(new CommandDefinition(sql, new { limit }, cancellationToken: ct))).Select(r => r.ToIncident()).ToList();
    }

    public async Task<Incident?> FindAsync(long incidentId, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return (await c.QuerySingleOrDefaultAsync<IncidentRow>(new CommandDefinition(
            $"SELECT {Columns} FROM incidents WHERE incident_id = @incidentId", new { incidentId }, cancellationToken: ct)))?.ToIncident();
    }

    /// <summary>Incidents a week's report lists: open ones, and those whose span [onset, resolution] touches [from, to).</summary>
    public async Task<IReadOnlyList<Incident>> ForRangeAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var sql = $"""
            SELECT {Columns} FROM incidents
            WHERE status IN ('open', 'confirmed') OR (onset_at < @to AND (resolved_at IS NULL OR resolved_at >= @from))
               OR (detected_at >= @from AND detected_at < @to)
            ORDER BY onset_at, incident_id
            """;
        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<IncidentRow>(new CommandDefinition(sql, new { from, to }, cancellationToken: ct))).Select(r => r.ToIncident()).ToList();
    }

    /// <summary>
    /// The latest resolution (or merge) per stream, deployment ("" for stream-wide sources), source and category: a scan
    /// does not reopen what a person closed.
    /// </summary>
    public async Task<IReadOnlyDictionary<(StreamKey Stream, string Deployment, string Source, string Category), DateTimeOffset>> LastClosedAsync(CancellationToken ct)
    {
        const string sql = """
            SELECT model AS Model, route AS Route, deployment AS Deployment, source AS Source, category AS Category, MAX(resolved_at) AS ResolvedAt
            FROM incidents WHERE resolved_at IS NOT NULL GROUP BY model, route, deployment, source, category
            """;
        await using var c = await database.OpenAsync(ct);
        var rows = await c.QueryAsync<IncidentRow>(new CommandDefinition(sql, cancellationToken: ct));
        return rows.ToDictionary(r => (new StreamKey(r.Model, r.Route), r.Deployment, r.Source, r.Category), r => r.ResolvedAt!.Value);
    }

    /// <summary>A reviewer or admin confirms an open incident. False when it is not open.</summary>
    public async Task<bool> ConfirmAsync(long incidentId, string by, CancellationToken ct)
    {
        const string sql = """
            UPDATE incidents SET status = 'confirmed', confirmed_at = @now, confirmed_by = @by
            WHERE incident_id = @incidentId AND status = 'open'
            """;
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteAsync(new CommandDefinition(sql, new { incidentId, by, now = clock.GetUtcNow() }, cancellationToken: ct)) == 1;
    }

    /// <summary>Resolves an open or confirmed incident. False when it is neither.</summary>
    public async Task<bool> ResolveAsync(long incidentId, string by, CancellationToken ct)
    {
        const string sql = """
            UPDATE incidents SET status = 'resolved', resolved_at = @now, resolved_by = @by
            WHERE incident_id = @incidentId AND status IN ('open', 'confirmed')
            """;
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteAsync(new CommandDefinition(sql, new { incidentId, by, now = clock.GetUtcNow() }, cancellationToken: ct)) == 1;
    }

    /// <summary>
    /// Merges <paramref name="incidentId"/> into <paramref name="intoId"/> (two views of one failure, e.g. a flag-rate rise
    /// and the reviewers' cluster): the target keeps the earlier onset and the earlier detection, so its time to
    /// detection is that of whichever signal saw it first; the merged one is closed and points at the target.
    /// </summary>
    public async Task<bool> MergeAsync(long incidentId, long intoId, string by, CancellationToken ct)
    {
        if (incidentId == intoId)
            return false;
        await using var c = await database.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var rows = (await c.QueryAsync<IncidentRow>(new CommandDefinition(
            $"SELECT {Columns} FROM incidents WHERE incident_id IN (@incidentId, @intoId) {database.ForUpdate}", new { incidentId, intoId }, tx, cancellationToken: ct))).ToList();
        var from = rows.SingleOrDefault(r => r.IncidentId == incidentId);
        var into = rows.SingleOrDefault(r => r.IncidentId == intoId);
        if (from is null || into is null || from.Status is "merged" || into.Status is "merged" or "resolved")
            return false;
        var now = clock.GetUtcNow();
        await c.ExecuteAsync(new CommandDefinition("""
            UPDATE incidents SET status = 'merged', merged_into = @intoId, resolved_at = @now, resolved_by = @by WHERE incident_id = @incidentId
            """, new { incidentId, intoId, now, by }, tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition("""
            UPDATE incidents SET onset_at = @onset, detected_at = @detected, summary = @summary WHERE incident_id = @intoId
            """, new
        {
            intoId,
            onset = from.OnsetAt < into.OnsetAt ? from.OnsetAt : into.OnsetAt,
            detected = from.DetectedAt < into.DetectedAt ? from.DetectedAt : into.DetectedAt,
            summary = $"{into.Summary} Merged #{incidentId} ({from.Source}, by {by}): {from.Summary}",
        }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return true;
    }

    internal sealed class IncidentRow
    {
        public long IncidentId { get; set; }
        public string Model { get; set; } = "";
        public string Route { get; set; } = "";
        public string Source { get; set; } = "";
        public string Category { get; set; } = "";
        public string Status { get; set; } = "";
        public DateTimeOffset OnsetAt { get; set; }
        public DateTimeOffset DetectedAt { get; set; }
        public string DetectedBy { get; set; } = "";
        public string Summary { get; set; } = "";
        public DateTimeOffset? ConfirmedAt { get; set; }
        public string? ConfirmedBy { get; set; }
        public DateTimeOffset? ResolvedAt { get; set; }
        public string? ResolvedBy { get; set; }
        public long? MergedInto { get; set; }
        public string Deployment { get; set; } = "";

        /// <summary>Flag-rate incidents are per deployment ('' = samples that named none); the other sources concern the whole stream.</summary>
        public Incident ToIncident() => new(IncidentId, new StreamKey(Model, Route), Source, Category, Status, OnsetAt, DetectedAt, DetectedBy, Summary,
            ConfirmedAt, ConfirmedBy, ResolvedAt, ResolvedBy, MergedInto, Source == IncidentSources.FlagRate ? Deployment : null);
    }
}
