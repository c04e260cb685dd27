using System.Data.Common;
using Dapper;

namespace Auditor.Storage.Incidents;

/// <summary>Alert channels: a Slack-compatible webhook POST, and an event on the bus.</summary>
public static class AlertChannels
{
    public const string Webhook = "webhook";
    public const string Bus = "bus";
}

public static class AlertKinds
{
    public const string IncidentOpened = "incident-opened";
    public const string WeeklyReport = "weekly-report";
    public const string DriftDetected = "drift-detected";
}

/// <summary>One delivery in the outbox.</summary>
public sealed record AlertDelivery(
    long DeliveryId, string Channel, string Kind, long? IncidentId, string? ReportWeek, string Payload, string State,
    int Attempts, DateTimeOffset NextAttemptAt, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? SentAt);

/// <summary>
/// The outbox of alert deliveries. Rows are written in the same transaction as what they announce; a sender claims a due
/// row (moving its next attempt past a lease, so two servers do not send it at once), sends, and records the outcome.
/// Delivery is at least once: a sender that dies after sending and before recording sends again after the lease.
/// </summary>
public sealed class AlertOutbox(AuditorDatabase database, TimeProvider clock)
{
    private const string Columns = """
        delivery_id AS DeliveryId, channel AS Channel, kind AS Kind, incident_id AS IncidentId, report_week AS ReportWeek, payload AS Payload,
        state AS State, attempts AS Attempts, next_attempt_at AS NextAttemptAt, last_error AS LastError, created_at AS CreatedAt, sent_at AS SentAt
        """;

    public async Task<long> EnqueueAsync(string channel, string kind, string payload, long? incidentId, string? reportWeek, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var id = await EnqueueAsync(c, tx, channel, kind, payload, incidentId, reportWeek, clock.GetUtcNow(), ct);
        await tx.CommitAsync(ct);
        return id;
    }

    internal static Task<long> EnqueueAsync(DbConnection c, DbTransaction tx, string channel, string kind, string payload, long? incidentId, string? reportWeek, DateTimeOffset now, CancellationToken ct) =>
        c.ExecuteScalarAsync<long>(new CommandDefinition("""
            INSERT INTO alert_deliveries (channel, kind, incident_id, report_week, payload, state, attempts, next_attempt_at, created_at)
            VALUES (@channel, @kind, @incidentId, @reportWeek, @payload, 'pending', 0, @now, @now)
            RETURNING delivery_id
            """, new { channel, kind, incidentId, reportWeek, payload, now }, tx, cancellationToken: ct));

    /// <summary>Claims up to <paramref name="limit"/> due deliveries for <paramref name="lease"/>.</summary>
    public async Task<IReadOnlyList<AlertDelivery>> ClaimDueAsync(int limit, TimeSpan lease, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var c = await database.OpenAsync(ct);
        var due = await c.QueryAsync<DeliveryRow>(new CommandDefinition($"""
            SELECT {Columns} FROM alert_deliveries WHERE state = 'pending' AND next_attempt_at <= @now ORDER BY delivery_id LIMIT @limit
            """, new { now, limit }, cancellationToken: ct));
        var claimed = new List<AlertDelivery>();
        foreach (var d in due)
        {
            var n = await c.ExecuteAsync(new CommandDefinition("""
                UPDATE alert_deliveries SET next_attempt_at = @until
                WHERE delivery_id = @id AND state = 'pending' AND next_attempt_at = @seen
                """, new { id = d.DeliveryId, until = now + lease, seen = d.NextAttemptAt }, cancellationToken: ct));
            if (n == 1)
                claimed.Add(d.ToDelivery());
        }
        return claimed;
    }

    public async Task MarkSentAsync(long deliveryId, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        await c.ExecuteAsync(new CommandDefinition("""
            UPDATE alert_deliveries SET state = 'sent', attempts = attempts + 1, sent_at = @now, last_error = NULL WHERE delivery_id = @deliveryId
            """, new { deliveryId, now = clock.GetUtcNow() }, cancellationToken: ct));
    }

    /// <summary>Records a failed attempt: retried at <paramref name="retryAt"/>, or given up ('failed', kept with its error) when null.</summary>
    public async Task MarkAttemptFailedAsync(long deliveryId, string error, DateTimeOffset? retryAt, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        await c.ExecuteAsync(new CommandDefinition("""
            UPDATE alert_deliveries SET attempts = attempts + 1, last_error = @error,
                state = CASE WHEN @giveUp THEN 'failed' ELSE 'pending' END, next_attempt_at = @next
            WHERE delivery_id = @deliveryId
            """, new { deliveryId, error, giveUp = retryAt is null, next = retryAt ?? clock.GetUtcNow() }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<AlertDelivery>> ListAsync(int limit, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<DeliveryRow>(new CommandDefinition(
            $"SELECT {Columns} FROM alert_deliveries ORDER BY delivery_id DESC LIMIT @limit", new { limit }, cancellationToken: ct))).Select(r => r.ToDelivery()).ToList();
    }

    private sealed class DeliveryRow
    {
        public long DeliveryId { get; set; }
        public string Channel { get; set; } = "";
        public string Kind { get; set; } = "";
        public long? IncidentId { get; set; }
        public string? ReportWeek { get; set; }
        public string Payload { get; set; } = "";
        public string State { get; set; } = "";
        public long Attempts { get; set; }
        public DateTimeOffset NextAttemptAt { get; set; }
        public string? LastError { get; set; }
        public DateTimeOffset CreatedAt { get; set; }
        public DateTimeOffset? SentAt { get; set; }

        public AlertDelivery ToDelivery() => new(DeliveryId, Channel, Kind, IncidentId, ReportWeek, Payload, State, (int)Attempts, NextAttemptAt, LastError, CreatedAt, SentAt);
    }
}
