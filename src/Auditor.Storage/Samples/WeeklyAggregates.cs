using System.Data.Common;
using Auditor.Storage.Retention;

namespace Auditor.Storage.Samples;

/// <summary>
/// Keeps the weekly aggregates (migration 0015) equal to the hour counters summed by week: the batch's stream-hour and
/// detector-hour rows, summed per week in memory, upserted in the batch's transaction. A batch usually spans one hour,
/// so this is one more row per stream in the batch, and a late sample lands in its week at once.
/// </summary>
internal static class WeeklyAggregates
{
    public sealed record StreamRow(string Model, string Route, string Deployment, DateTimeOffset Hour, long Total, long Flagged, double Volume, double FlaggedVolume);

    public sealed record DetectorRow(string Model, string Route, string Deployment, DateTimeOffset Hour, string Detector, long Flagged, double FlaggedVolume);

    // One statement per table (RowsInsert), like the hour counters beside them.
    private static readonly RowsInsert StreamWeeks = new("week_stream_counts", """
        ON CONFLICT (week_start, model, route, deployment) DO UPDATE SET
            total = week_stream_counts.total + excluded.total,
            flagged = week_stream_counts.flagged + excluded.flagged,
            volume = week_stream_counts.volume + excluded.volume,
            flagged_volume = week_stream_counts.flagged_volume + excluded.flagged_volume,
            first_hour = CASE WHEN excluded.first_hour < week_stream_counts.first_hour THEN excluded.first_hour ELSE week_stream_counts.first_hour END,
            last_hour = CASE WHEN excluded.last_hour > week_stream_counts.last_hour THEN excluded.last_hour ELSE week_stream_counts.last_hour END
        """);

    private static readonly RowsInsert DetectorWeeks = new("week_detector_counts", """
        ON CONFLICT (week_start, model, route, deployment, detector) DO UPDATE SET
            flagged = week_detector_counts.flagged + excluded.flagged,
            flagged_volume = week_detector_counts.flagged_volume + excluded.flagged_volume
        """);

    public static async Task UpsertAsync(AuditorDatabase database, DbConnection c, DbTransaction tx, IEnumerable<StreamRow> streams, IEnumerable<DetectorRow> detectors, CancellationToken ct)
    {
        // Ordered like the hour counters, so concurrent batches lock week rows in one order too.
        var weeks = streams
            .GroupBy(r => (Week: TimePartitionedTables.WeekStart(r.Hour), r.Model, r.Route, r.Deployment))
            .OrderBy(g => g.Key)
            .Select(g => new
            {
                WeekStart = g.Key.Week, g.Key.Model, g.Key.Route, g.Key.Deployment,
                Total = g.Sum(r => r.Total), Flagged = g.Sum(r => r.Flagged), Volume = g.Sum(r => r.Volume), FlaggedVolume = g.Sum(r => r.FlaggedVolume),
                FirstHour = g.Min(r => r.Hour), LastHour = g.Max(r => r.Hour),
            }).ToList();
        await StreamWeeks.ExecuteAsync(database, c, tx, weeks, ct);
        var detectorWeeks = detectors
            .GroupBy(r => (Week: TimePartitionedTables.WeekStart(r.Hour), r.Model, r.Route, r.Deployment, r.Detector))
            .OrderBy(g => g.Key)
            .Select(g => new { WeekStart = g.Key.Week, g.Key.Model, g.Key.Route, g.Key.Deployment, g.Key.Detector, Flagged = g.Sum(r => r.Flagged), FlaggedVolume = g.Sum(r => r.FlaggedVolume) })
            .ToList();
        await DetectorWeeks.ExecuteAsync(database, c, tx, detectorWeeks, ct);
    }
}
