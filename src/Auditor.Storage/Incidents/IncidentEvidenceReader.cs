using Auditor.Review.Incidents;
using Dapper;

namespace Auditor.Storage.Incidents;

/// <summary>A flagged sample of an incident, with its review item (if one was selected) and what blinding needs to know.</summary>
public sealed record EvidenceSample(string SampleId, DateTimeOffset OccurredAt, string? Deployment, long? ItemId, string? Stratum, string? ItemState, bool DecidedByViewer);

/// <summary>A review item of an incident's samples: reviewed output from the stretch of time the incident covers.</summary>
public sealed record EvidenceItem(long ItemId, string SampleId, DateTimeOffset OccurredAt, string State);

/// <summary>
/// An incident's evidence: the flagged samples and the review items of its stream (and deployment, for an incident of
/// one deployment) from its onset to its resolution (or now), oldest first, at most Limit of each, with the totals.
/// </summary>
public sealed record IncidentEvidence(DateTimeOffset From, DateTimeOffset To, int FlaggedTotal, IReadOnlyList<EvidenceSample> Flagged, int ItemsTotal,
    IReadOnlyList<EvidenceItem> Items);

/// <summary>Reads an incident's evidence (<see cref="IncidentEvidence"/>).</summary>
public sealed class IncidentEvidenceReader(AuditorDatabase database, TimeProvider clock)
{
    public const int Limit = 200;

    /// <param name="viewer">The user asking: whether they judged an item decides whether it is still blind to them.</param>
    public async Task<IncidentEvidence> ReadAsync(Incident incident, string? viewer, CancellationToken ct)
    {
        // From the minute of the onset (it is estimated to the minute) to the resolution, or now while it is open.
        var from = new DateTimeOffset(incident.OnsetAt.UtcDateTime.Ticks - incident.OnsetAt.UtcDateTime.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
        var to = incident.ResolvedAt ?? clock.GetUtcNow();
        var scope = incident.Deployment is null ? "" : " AND COALESCE(s.deployment, '') = @Deployment";
        var args = new { incident.Stream.Model, incident.Stream.Route, incident.Deployment, from, to, yes = true, viewer, limit = Limit };
        var where = $"s.model = @Model AND s.route = @Route{scope} AND s.occurred_at >= @from AND s.occurred_at <= @to";
        await using var c = await database.OpenAsync(ct);
        var flagged = (await c.QueryAsync<SampleRow>(new CommandDefinition($"""
            SELECT s.sample_id AS SampleId, s.occurred_at AS OccurredAt, s.deployment AS Deployment, r.item_id AS ItemId, r.stratum AS Stratum, r.state AS ItemState,
                   CASE WHEN EXISTS (SELECT 1 FROM verdicts v WHERE v.item_id = r.item_id AND v.reviewer = @viewer AND v.retracted_at IS NULL) THEN 1 ELSE 0 END AS DecidedByViewer
            FROM samples s LEFT JOIN review_items r ON r.sample_id = s.sample_id
            WHERE {where} AND s.flagged = @yes
            ORDER BY s.occurred_at, s.sample_id LIMIT @limit
            """, args, cancellationToken: ct)))
            .Select(r => new EvidenceSample(r.SampleId, r.OccurredAt, r.Deployment, r.ItemId, r.Stratum, r.ItemState, r.DecidedByViewer != 0)).ToList();
        var flaggedTotal = await c.ExecuteScalarAsync<int>(new CommandDefinition(
            $"SELECT COUNT(*) FROM samples s WHERE {where} AND s.flagged = @yes", args, cancellationToken: ct));
        var items = (await c.QueryAsync<ItemRow>(new CommandDefinition($"""
            SELECT r.item_id AS ItemId, s.sample_id AS SampleId, s.occurred_at AS OccurredAt, r.state AS State
            FROM review_items r JOIN samples s ON s.sample_id = r.sample_id
            WHERE {where}
            ORDER BY s.occurred_at, r.item_id LIMIT @limit
            """, args, cancellationToken: ct))).Select(r => new EvidenceItem(r.ItemId, r.SampleId, r.OccurredAt, r.State)).ToList();
        var itemsTotal = await c.ExecuteScalarAsync<int>(new CommandDefinition(
            $"SELECT COUNT(*) FROM review_items r JOIN samples s ON s.sample_id = r.sample_id WHERE {where}", args, cancellationToken: ct));
        return new IncidentEvidence(from, to, flaggedTotal, flagged, itemsTotal, items);
    }

    private sealed class SampleRow
    {
        public string SampleId { get; set; } = "";
        public DateTimeOffset OccurredAt { get; set; }
        public string? Deployment { get; set; }
        public long? ItemId { get; set; }
        public string? Stratum { get; set; }
        public string? ItemState { get; set; }
        public long DecidedByViewer { get; set; }
    }

    private sealed class ItemRow
    {
        public long ItemId { get; set; }
        public string SampleId { get; set; } = "";
        public DateTimeOffset OccurredAt { get; set; }
        public string State { get; set; } = "";
    }
}
