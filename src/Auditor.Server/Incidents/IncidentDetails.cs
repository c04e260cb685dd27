using System.Globalization;
using System.Security.Claims;
using Auditor.Review.Estimation;
using Auditor.Server.Review;
using Auditor.Storage.Incidents;

namespace Auditor.Server.Incidents;

/// <summary>A flagged sample of an incident, with links to the sample and, when it was selected for review, its review item.</summary>
public sealed record EvidenceSampleLink(string SampleId, DateTimeOffset OccurredAt, string? Deployment, long? ItemId, string Link, string? ItemLink);

/// <summary>A review item of an incident's stretch of time, with its link.</summary>
public sealed record EvidenceItemLink(long ItemId, string SampleId, DateTimeOffset OccurredAt, string State, string Link);

/// <summary>
/// What an incident rests on, for the API and the page alike. FlaggedSamples leaves out those still blind to the viewer
/// (a uniform item they may judge: listing it here would tell them a detector flagged it) and counts them in
/// BlindWithheld. SamplesSearch opens the samples search on the incident's stream and time window.
/// </summary>
public sealed record IncidentEvidenceView(DateTimeOffset From, DateTimeOffset To, int FlaggedTotal, int BlindWithheld, IReadOnlyList<EvidenceSampleLink> FlaggedSamples,
    int ReviewItemsTotal, IReadOnlyList<EvidenceItemLink> ReviewItems, string SamplesSearch);

/// <summary>
/// GET /api/v1/incidents/{id}: the incident (the fields of the list, plus the deployment and the time to detection in
/// minutes) and its evidence.
/// </summary>
public sealed record IncidentDetails(
    long IncidentId, StreamKey Stream, string? Deployment, string Source, string Category, string Status,
    DateTimeOffset OnsetAt, DateTimeOffset DetectedAt, long TimeToDetectionMinutes, string DetectedBy, string Summary,
    DateTimeOffset? ConfirmedAt, string? ConfirmedBy, DateTimeOffset? ResolvedAt, string? ResolvedBy, long? MergedInto, bool IsOpen,
    IncidentEvidenceView Evidence);

/// <summary>Reads an incident with its evidence for one viewer: the one handler behind the API and the page.</summary>
public sealed class IncidentDetailsQuery(IncidentStore store, IncidentEvidenceReader evidence, ReviewSettings review)
{
    public async Task<IncidentDetails?> FindAsync(long incidentId, ClaimsPrincipal user, CancellationToken ct)
    {
        if (await store.FindAsync(incidentId, ct) is not { } i)
            return null;
        var e = await evidence.ReadAsync(i, user.Identity?.Name, ct);
        var visible = e.Flagged.Where(s => !review.HidesResults(s, user)).ToList();
        var view = new IncidentEvidenceView(e.From, e.To, e.FlaggedTotal, e.Flagged.Count - visible.Count,
            visible.Select(s => new EvidenceSampleLink(s.SampleId, s.OccurredAt, s.Deployment, s.ItemId, SampleLink(s.SampleId),
                s.ItemId is { } item ? ItemLink(item) : null)).ToList(),
            e.ItemsTotal, e.Items.Select(x => new EvidenceItemLink(x.ItemId, x.SampleId, x.OccurredAt, x.State, ItemLink(x.ItemId))).ToList(),
            SearchLink(i.Stream, i.Deployment, e.From, e.To));
        return new IncidentDetails(i.IncidentId, i.Stream, i.Deployment, i.Source, i.Category, i.Status, i.OnsetAt, i.DetectedAt, i.TimeToDetectionMinutes,
            i.DetectedBy, i.Summary, i.ConfirmedAt, i.ConfirmedBy, i.ResolvedAt, i.ResolvedBy, i.MergedInto, i.IsOpen, view);
    }

    private static string SampleLink(string sampleId) => Samples.SampleIdInPath.PageLink(sampleId);

    private static string ItemLink(long itemId) => $"/review/{itemId.ToString(CultureInfo.InvariantCulture)}";

    // The samples page's own parameters: stream as its "model/route" key, the deployment when the incident names one.
    private static string SearchLink(StreamKey stream, string? deployment, DateTimeOffset from, DateTimeOffset to) =>
        $"/samples?stream={Uri.EscapeDataString(Web.StreamKey.Of(stream.Model, stream.Route))}"
        + (deployment is null ? "" : $"&deployment={Uri.EscapeDataString(deployment)}")
        + $"&from={Uri.EscapeDataString(from.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture))}"
        + $"&to={Uri.EscapeDataString(to.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture))}";
}
