using System.Data.Common;
using System.Text.Json;
using Auditor.Contracts.Events;
using Auditor.Review.Estimation;
using Auditor.Review.Incidents;
using Dapper;

namespace Auditor.Storage.Incidents;

/// <summary>Where alerts go: whether a webhook is configured, and the server's public address for links (optional).</summary>
public sealed record AlertSettings(bool WebhookEnabled, string? PublicUrl)
{
    public static AlertSettings None { get; } = new(false, null);
}

/// <summary>An incident opened now, or the open one that already covered it.</summary>
public sealed record OpenedIncident(Incident Incident, bool New);

/// <summary>
/// Opens incidents, and in the same transaction writes their alerts to the outbox (an <see cref="IncidentOpened"/> bus
/// event always; a webhook POST when one is configured), so an incident is never recorded without its alert. At most one
/// incident per stream, deployment, source and category is open at a time: opening another returns the open one.
/// This is the entry point for every signal, including the drift model: <see cref="OpenFromDriftAsync(StreamKey, DateTimeOffset, DateTimeOffset, string, CancellationToken)"/>.
/// </summary>
public sealed class IncidentRecorder(AuditorDatabase database, TimeProvider clock, AlertSettings alerts)
{
    /// <summary>
    /// Opens (or returns the open) drift incident for a stream. For the drift model: call it when a window's drift
    /// statistic crosses its threshold. <paramref name="windowStart"/> is taken as the onset (the first affected samples
    /// are in the window that moved); detection time is now; <paramref name="summary"/> should name the features that moved.
    /// </summary>
    public Task<OpenedIncident> OpenFromDriftAsync(StreamKey stream, DateTimeOffset windowStart, DateTimeOffset windowEnd, string summary, CancellationToken ct) =>
        OpenAsync(DriftCandidate(stream, windowStart, windowEnd, summary), ct);

    private static IncidentCandidate DriftCandidate(StreamKey stream, DateTimeOffset windowStart, DateTimeOffset windowEnd, string summary) =>
        new(stream, IncidentSources.Drift, "", windowStart, "drift model", $"Drift in window {windowStart:yyyy-MM-dd HH:mm}Z–{windowEnd:yyyy-MM-dd HH:mm}Z: {summary}");

    /// <summary>Opens an incident for a flag-rate alarm of one deployment (the change point, to the minute when known, is the onset).</summary>
    public Task<OpenedIncident> OpenFromFlagRateAsync(FlagRateAlarm alarm, CancellationToken ct) =>
        OpenAsync(new IncidentCandidate(alarm.Stream, IncidentSources.FlagRate, "", alarm.OnsetAt, "flag-rate CUSUM", alarm.Summary, alarm.Deployment ?? ""), ct);

    /// <summary>Opens an incident for a cluster of reviewer-confirmed failures (its first sample is the onset).</summary>
    public Task<OpenedIncident> OpenFromReviewsAsync(FailureCluster cluster, CancellationToken ct) =>
        OpenAsync(new IncidentCandidate(cluster.Stream, IncidentSources.Reviews, cluster.Category, cluster.Onset, "reviewers", cluster.Summary), ct);

    public async Task<OpenedIncident> OpenAsync(IncidentCandidate candidate, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var opened = await OpenAsync(c, tx, candidate, ct);
        await tx.CommitAsync(ct);
        return opened;
    }

    /// <summary>
    /// The drift incident of a stream, opened (or joined) inside the caller's transaction, so it is recorded with the
    /// drift alert that raised it or not at all.
    /// </summary>
    internal Task<OpenedIncident> OpenFromDriftAsync(DbConnection c, DbTransaction tx, StreamKey stream, DateTimeOffset windowStart, DateTimeOffset windowEnd,
        string summary, CancellationToken ct) =>
        OpenAsync(c, tx, DriftCandidate(stream, windowStart, windowEnd, summary), ct);

    private async Task<OpenedIncident> OpenAsync(DbConnection c, DbTransaction tx, IncidentCandidate candidate, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var id = await c.ExecuteScalarAsync<long?>(new CommandDefinition("""
            INSERT INTO incidents (model, route, deployment, source, category, status, onset_at, detected_at, detected_by, summary)
            VALUES (@Model, @Route, @Deployment, @Source, @Category, 'open', @OnsetAt, @DetectedAt, @DetectedBy, @Summary)
            ON CONFLICT (model, route, deployment, source, category) WHERE status IN ('open', 'confirmed') DO NOTHING
            RETURNING incident_id
            """, new
        {
            candidate.Stream.Model, candidate.Stream.Route, Deployment = candidate.Deployment ?? "", candidate.Source, candidate.Category,
            // Onset cannot be after detection: a signal that reports a later onset is clamped to now.
            OnsetAt = candidate.OnsetAt > now ? now : candidate.OnsetAt, DetectedAt = now, candidate.DetectedBy, candidate.Summary,
        }, tx, cancellationToken: ct));

        bool isNew = id is not null;
        if (!isNew)
            id = await c.ExecuteScalarAsync<long>(new CommandDefinition("""
                SELECT incident_id FROM incidents
                WHERE model = @Model AND route = @Route AND deployment = @Deployment AND source = @Source AND category = @Category
                  AND status IN ('open', 'confirmed')
                """, new { candidate.Stream.Model, candidate.Stream.Route, Deployment = candidate.Deployment ?? "", candidate.Source, candidate.Category }, tx,
                cancellationToken: ct));
        var incident = (await c.QuerySingleAsync<IncidentStore.IncidentRow>(new CommandDefinition(
            $"SELECT {IncidentStore.Columns} FROM incidents WHERE incident_id = @id", new { id }, tx, cancellationToken: ct))).ToIncident();

        if (isNew)
        {
            var opened = new IncidentOpened(incident.IncidentId, incident.Stream.Model, incident.Stream.Route, incident.Source, incident.Category,
                incident.OnsetAt, incident.DetectedAt, incident.DetectedBy, incident.Summary, incident.Deployment);
            await AlertOutbox.EnqueueAsync(c, tx, AlertChannels.Bus, AlertKinds.IncidentOpened, JsonSerializer.Serialize(opened, AlertPayloads.Json), incident.IncidentId, null, now, ct);
            if (alerts.WebhookEnabled)
                await AlertOutbox.EnqueueAsync(c, tx, AlertChannels.Webhook, AlertKinds.IncidentOpened, AlertPayloads.IncidentWebhook(incident, alerts.PublicUrl), incident.IncidentId, null, now, ct);
        }
        return new OpenedIncident(incident, isNew);
    }
}
