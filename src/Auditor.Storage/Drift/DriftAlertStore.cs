using System.Data.Common;
using System.Text.Json;
using Auditor.Contracts.Events;
using Auditor.Detection.Drift;
using Auditor.Review.Estimation;
using Auditor.Storage.Incidents;
using Dapper;

namespace Auditor.Storage.Drift;

/// <summary>A stored drift alert.</summary>
public sealed record StoredDriftAlert(long AlertId, string Model, string Route, string WindowKind, DateTimeOffset WindowStart, DateTimeOffset WindowEnd,
    int Samples, string Statistic, double PValue, double Effect, double AnomalousShare, double ExpectedShare, long ModelVersion,
    IReadOnlyList<DriftFeatureShift> Features, string Message, DateTimeOffset CreatedAt)
{
    /// <summary>Whether the alert moved in the failure direction (<see cref="DriftDirection"/>): only then does it open an incident.</summary>
    public bool FailureDirection => DriftDirection.IsFailure(Statistic, Features);

    /// <summary>The event that announces this alert on the bus.</summary>
    public DriftDetected ToEvent() => new(AlertId, Model, Route, WindowKind, WindowStart, WindowEnd, Samples, Statistic, PValue, Effect,
        Features.Select(f => f.Feature).ToList(), Message, CreatedAt);
}

/// <summary>
/// Drift alerts, at most one per stream and window: the first process to raise it stores it, and in the same transaction
/// writes its <see cref="DriftDetected"/> to the alert outbox (<see cref="AlertOutbox"/>, sent by the server's alert
/// sender with its retries) and, when it moved in the failure direction (<see cref="DriftDirection"/>), opens or joins the
/// stream's drift incident, so an alert is never recorded without both; other alerts are notices.
/// </summary>
public sealed class DriftAlertStore(AuditorDatabase database, IncidentRecorder incidents, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Stores the alert unless its stream and window already have one; returns it stored, or null when it was not new.</summary>
    public async Task<StoredDriftAlert?> TryAddAsync(DriftAlert alert, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var now = clock.GetUtcNow();
        await using var c = await database.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var id = await c.ExecuteScalarAsync<long?>(new CommandDefinition($"""
            INSERT INTO drift_alerts (model, route, window_kind, window_start, window_end, samples, statistic, p_value, effect, anomalous_share,
                                      expected_share, model_version, features, message, created_at)
            VALUES (@Model, @Route, @WindowKind, @WindowStart, @WindowEnd, @Samples, @Statistic, @PValue, @Effect, @AnomalousShare,
                    @ExpectedAnomalousShare, @ModelVersion, {database.Json("features")}, @Message, @now)
            ON CONFLICT (model, route, window_kind, window_start) DO NOTHING
            RETURNING alert_id
            """, new
        {
            alert.Model, alert.Route, alert.WindowKind, alert.WindowStart, alert.WindowEnd, alert.Samples, alert.Statistic, alert.PValue, alert.Effect,
            alert.AnomalousShare, alert.ExpectedAnomalousShare, alert.ModelVersion, features = JsonSerializer.Serialize(alert.Features, Json), alert.Message,
            now,
        }, tx, cancellationToken: ct));
        if (id is null)
            return null;
        var stored = (await QueryAsync(c, tx, "WHERE alert_id = @id", new { id }, 1, ct)).Single();
        await AlertOutbox.EnqueueAsync(c, tx, AlertChannels.Bus, AlertKinds.DriftDetected, JsonSerializer.Serialize(stored.ToEvent(), AlertPayloads.Json), null, null, now, ct);
        // An open drift incident for the stream absorbs further alerts; a new one alerts people through the same outbox.
        // Only a move in the failure direction pages; any other shift stays a notice (stored, listed, announced on the bus).
        if (stored.FailureDirection)
            await incidents.OpenFromDriftAsync(c, tx, new StreamKey(stored.Model, stored.Route), stored.WindowStart, stored.WindowEnd, stored.Message, ct);
        await tx.CommitAsync(ct);
        return stored;
    }

    /// <summary>Alerts, newest first, optionally for one model (and route).</summary>
    public async Task<IReadOnlyList<StoredDriftAlert>> ListAsync(int limit, CancellationToken ct, string? model = null, string? route = null)
    {
        await using var c = await database.OpenAsync(ct);
        return await QueryAsync(c, null, "WHERE (@model IS NULL OR model = @model) AND (@route IS NULL OR route = @route)", new { model, route }, limit, ct);
    }

    private static async Task<IReadOnlyList<StoredDriftAlert>> QueryAsync(DbConnection c, DbTransaction? tx, string where, object args, int limit, CancellationToken ct)
    {
        var p = new DynamicParameters(args);
        p.Add("limit", limit);
        var rows = await c.QueryAsync<Row>(new CommandDefinition($"""
            SELECT alert_id AS AlertId, model AS Model, route AS Route, window_kind AS WindowKind, window_start AS WindowStart, window_end AS WindowEnd,
                   samples AS Samples, statistic AS Statistic, p_value AS PValue, effect AS Effect, anomalous_share AS AnomalousShare,
                   expected_share AS ExpectedShare, model_version AS ModelVersion, CAST(features AS text) AS Features, message AS Message, created_at AS CreatedAt
            FROM drift_alerts {where} ORDER BY created_at DESC, alert_id DESC LIMIT @limit
            """, p, tx, cancellationToken: ct));
        return rows.Select(r => new StoredDriftAlert(r.AlertId, r.Model, r.Route, r.WindowKind, r.WindowStart, r.WindowEnd, r.Samples, r.Statistic,
            r.PValue, r.Effect, r.AnomalousShare, r.ExpectedShare, r.ModelVersion,
            JsonSerializer.Deserialize<List<DriftFeatureShift>>(r.Features, Json) ?? [], r.Message, r.CreatedAt)).ToList();
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
    }
}
