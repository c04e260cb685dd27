using System.Text.Json;
using Auditor.Detection.Drift;
using Dapper;

namespace Auditor.Storage.Drift;

/// <summary>A stored drift alert.</summary>
public sealed record StoredDriftAlert(long AlertId, string Model, string Route, string WindowKind, DateTimeOffset WindowStart, DateTimeOffset WindowEnd,
    int Samples, string Statistic, double PValue, double Effect, double AnomalousShare, double ExpectedShare, long ModelVersion,
    IReadOnlyList<DriftFeatureShift> Features, string Message, DateTimeOffset CreatedAt, DateTimeOffset? PublishedAt = null);

/// <summary>
/// Drift alerts, at most one per stream and window: the first process to raise it stores it. The table is also the outbox
/// of <c>DriftDetected</c>: a stored alert is unpublished until <see cref="MarkPublishedAsync"/>, and a monitor claims
/// unpublished alerts for a lease before publishing them.
/// </summary>
public sealed class DriftAlertStore(AuditorDatabase database, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Stores the alert unless its stream and window already have one; returns it stored, or null when it was not new.</summary>
    public async Task<StoredDriftAlert?> TryAddAsync(DriftAlert alert, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(alert);
        await using var c = await database.OpenAsync(ct);
        var id = await c.ExecuteScalarAsync<long?>(new CommandDefinition($"""
            INSERT INTO drift_alerts (model, route, window_kind, window_start, window_end, samples, statistic, p_value, effect, anomalous_share,
                                      expected_share, model_version, features, message, created_at, publish_after)
            VALUES (@Model, @Route, @WindowKind, @WindowStart, @WindowEnd, @Samples, @Statistic, @PValue, @Effect, @AnomalousShare,
                    @ExpectedAnomalousShare, @ModelVersion, {database.Json("features")}, @Message, @at, @at)
            ON CONFLICT (model, route, window_kind, window_start) DO NOTHING
            RETURNING alert_id
            """, new
        {
            alert.Model, alert.Route, alert.WindowKind, alert.WindowStart, alert.WindowEnd, alert.Samples, alert.Statistic, alert.PValue, alert.Effect,
            alert.AnomalousShare, alert.ExpectedAnomalousShare, alert.ModelVersion, features = JsonSerializer.Serialize(alert.Features, Json), alert.Message,
            at = clock.GetUtcNow(),
        }, cancellationToken: ct));
        return id is null ? null : (await QueryAsync(c, "WHERE alert_id = @id", new { id }, 1, ct)).Single();
    }

    /// <summary>Alerts, newest first, optionally for one model (and route).</summary>
    public async Task<IReadOnlyList<StoredDriftAlert>> ListAsync(int limit, CancellationToken ct, string? model = null, string? route = null)
    {
        await using var c = await database.OpenAsync(ct);
        return await QueryAsync(c, "WHERE (@model IS NULL OR model = @model) AND (@route IS NULL OR route = @route)", new { model, route }, limit, ct);
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> unpublished alerts whose previous claim (if any) has run out, oldest first, for
    /// <paramref name="lease"/>: a claim is a conditional update on the value read, so of two monitors reading the same row
    /// only one gets it. A claimer that dies before <see cref="MarkPublishedAsync"/> leaves the alert to the next claim once
    /// the lease ends, so an alert is published at least once, and twice only when a publish outlived its lease or its
    /// process died between the bus accepting it and the mark.
    /// </summary>
    public async Task<IReadOnlyList<StoredDriftAlert>> ClaimUnpublishedAsync(int limit, TimeSpan lease, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var c = await database.OpenAsync(ct);
        var due = await c.QueryAsync<(long AlertId, DateTimeOffset PublishAfter)>(new CommandDefinition("""
            SELECT alert_id, publish_after FROM drift_alerts WHERE published_at IS NULL AND publish_after <= @now ORDER BY alert_id LIMIT @limit
            """, new { now, limit }, cancellationToken: ct));
        var claimed = new List<long>();
        foreach (var (id, seen) in due)
        {
            var n = await c.ExecuteAsync(new CommandDefinition("""
                UPDATE drift_alerts SET publish_after = @until WHERE alert_id = @id AND published_at IS NULL AND publish_after = @seen
                """, new { id, until = now + lease, seen }, cancellationToken: ct));
            if (n == 1)
                claimed.Add(id);
        }
        var alerts = new List<StoredDriftAlert>();
        foreach (var id in claimed)
            alerts.AddRange(await QueryAsync(c, "WHERE alert_id = @id", new { id }, 1, ct));
        return alerts;
    }

    /// <summary>Records that the bus accepted the alert's event: no monitor claims it again.</summary>
    public async Task MarkPublishedAsync(long alertId, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        await c.ExecuteAsync(new CommandDefinition("UPDATE drift_alerts SET published_at = @now WHERE alert_id = @alertId AND published_at IS NULL",
            new { alertId, now = clock.GetUtcNow() }, cancellationToken: ct));
    }

    /// <summary>Gives a claim back after a failed publish, so the next pass (of any monitor) retries it without waiting out the lease.</summary>
    public async Task ReleaseAsync(long alertId, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        await c.ExecuteAsync(new CommandDefinition("UPDATE drift_alerts SET publish_after = @now WHERE alert_id = @alertId AND published_at IS NULL",
            new { alertId, now = clock.GetUtcNow() }, cancellationToken: ct));
    }

    private static async Task<IReadOnlyList<StoredDriftAlert>> QueryAsync(System.Data.Common.DbConnection c, string where, object args, int limit, CancellationToken ct)
    {
        var p = new DynamicParameters(args);
        p.Add("limit", limit);
        var rows = await c.QueryAsync<Row>(new CommandDefinition($"""
            SELECT alert_id AS AlertId, model AS Model, route AS Route, window_kind AS WindowKind, window_start AS WindowStart, window_end AS WindowEnd,
                   samples AS Samples, statistic AS Statistic, p_value AS PValue, effect AS Effect, anomalous_share AS AnomalousShare,
                   expected_share AS ExpectedShare, model_version AS ModelVersion, CAST(features AS text) AS Features, message AS Message, created_at AS CreatedAt,
                   published_at AS PublishedAt
            FROM drift_alerts {where} ORDER BY created_at DESC, alert_id DESC LIMIT @limit
            """, p, cancellationToken: ct));
        return rows.Select(r => new StoredDriftAlert(r.AlertId, r.Model, r.Route, r.WindowKind, r.WindowStart, r.WindowEnd, r.Samples, r.Statistic,
            r.PValue, r.Effect, r.AnomalousShare, r.ExpectedShare, r.ModelVersion,
            JsonSerializer.Deserialize<List<DriftFeatureShift>>(r.Features, Json) ?? [], r.Message, r.CreatedAt, r.PublishedAt)).ToList();
    }

    private sealed record Row
    {
        public long AlertId { get; init; }
        public string Model { get; init; } = "";
        public string Route { get; init; } = "";
        public string WindowKind { get; init; } = "";
        public DateTimeOffset WindowStart { get; init; }
        public DateTimeOffset WindowEnd { get; init; }
        public int Samples { get; init; }
        public string Statistic { get; init; } = "";
        public double PValue { get; init; }
        public double Effect { get; init; }
        public double AnomalousShare { get; init; }
        public double ExpectedShare { get; init; }
        public long ModelVersion { get; init; }
        public string Features { get; init; } = "[]";
        public string Message { get; init; } = "";
        public DateTimeOffset CreatedAt { get; init; }
        public DateTimeOffset? PublishedAt { get; init; }
    }
}
