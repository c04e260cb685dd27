using System.Data.Common;
using Dapper;

namespace Auditor.Storage.Streams;

/// <summary>One stream (model, route) over a time range: distinct samples counted, flagged, and review progress.</summary>
/// <param name="Total">Distinct samples counted.</param>
/// <param name="Flagged">Of those, flagged by any detector.</param>
/// <param name="Volume">Estimated production volume: samples scaled by 1/samplingRate.</param>
/// <param name="FlaggedByDetector">Flagged counts per detector (a sample flagged by two detectors counts for both).</param>
/// <param name="ReviewItems">Samples selected for review.</param>
/// <param name="ReviewPending">Review items not yet reviewed.</param>
public sealed record StreamSummary(
    string Model, string Route, long Total, long Flagged, double FlagRate, double Volume,
    IReadOnlyDictionary<string, long> FlaggedByDetector, long ReviewItems, long ReviewPending,
    DateTimeOffset FirstHour, DateTimeOffset LastHour)
{
    /// <summary>The same range per deployment ("" for samples that named none), ordered by name.</summary>
    public IReadOnlyList<DeploymentTotal> Deployments { get; init; } = [];
}

/// <summary>One deployment of a stream over a time range: distinct samples counted and flagged.</summary>
public sealed record DeploymentTotal(string Deployment, long Total, long Flagged, double FlagRate);

/// <summary>One hour of one deployment of a stream (deployment "" when the publisher named none).</summary>
public sealed record DeploymentHour(string Model, string Route, string Deployment, DateTimeOffset Hour, long Total, long Flagged);

/// <summary>
/// Stream summaries and hourly counts: the one place the streams page and API read their numbers from. Summaries take
/// whole weeks inside the range from the weekly aggregates and the range's partial edges from the stream-hour counters,
/// so a long range costs streams x weeks; the hourly reads cover a bounded window (the page's last day).
/// </summary>
public sealed class StreamSummaryReader(AuditorDatabase database, bool readWeeklyAggregates = true)
{
    private const string WeekStreamsSql = """
        SELECT model AS Model, route AS Route, SUM(total) AS Total, SUM(flagged) AS Flagged, SUM(volume) AS Volume,
               MIN(first_hour) AS FirstHour, MAX(last_hour) AS LastHour
        FROM week_stream_counts WHERE week_start >= @from AND week_start <= @to
        GROUP BY model, route
        """;
    private const string WeekDetectorsSql = """
        SELECT model AS Model, route AS Route, detector AS Detector, SUM(flagged) AS Flagged
        FROM week_detector_counts WHERE week_start >= @from AND week_start <= @to
        GROUP BY model, route, detector
        """;

    // Samples counted and flagged per stream and deployment over the range ListAsync reads, on its connection: whole weeks
    // from the weekly aggregates, the partial edges from the hour counters.
    private static async Task<IReadOnlyList<HourRow>> DeploymentTotalsAsync(DbConnection c, Reports.WeekCover cover, CancellationToken ct)
    {
        const string weeksSql = """
            SELECT model AS Model, route AS Route, deployment AS Deployment, SUM(total) AS Total, SUM(flagged) AS Flagged
            FROM week_stream_counts WHERE week_start >= @from AND week_start <= @to GROUP BY model, route, deployment
            """;
        const string hoursSql = """
            SELECT model AS Model, route AS Route, deployment AS Deployment, SUM(total) AS Total, SUM(flagged) AS Flagged
            FROM stream_hour_counters WHERE hour >= @from AND hour < @to GROUP BY model, route, deployment
            """;
        var rows = new List<HourRow>();
        if (cover.FirstWeek is { } firstWeek && cover.LastWeek is { } lastWeek)
            rows.AddRange(await c.QueryAsync<HourRow>(new CommandDefinition(weeksSql, new { from = firstWeek, to = lastWeek }, cancellationToken: ct)));
        foreach (var (rangeFrom, rangeTo) in cover.HourRanges)
            rows.AddRange(await c.QueryAsync<HourRow>(new CommandDefinition(hoursSql, new { from = rangeFrom, to = rangeTo }, cancellationToken: ct)));
        return rows;
    }

    /// <summary>Hourly counts per stream and deployment for hours in [from, to).</summary>
    public async Task<IReadOnlyList<DeploymentHour>> HourlyAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        const string sql = """
            SELECT model AS Model, route AS Route, deployment AS Deployment, hour AS Hour, total AS Total, flagged AS Flagged
            FROM stream_hour_counters WHERE hour >= @from AND hour < @to ORDER BY model, route, deployment, hour
            """;
        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<HourRow>(new CommandDefinition(sql, new { from, to }, cancellationToken: ct)))
            .Select(r => new DeploymentHour(r.Model, r.Route, r.Deployment, r.Hour, r.Total, r.Flagged)).ToList();
    }

    private const string StreamsSql = """
        SELECT model AS Model, route AS Route, SUM(total) AS Total, SUM(flagged) AS Flagged, SUM(volume) AS Volume,
               MIN(hour) AS FirstHour, MAX(hour) AS LastHour
        FROM stream_hour_counters WHERE hour >= @from AND hour < @to
        GROUP BY model, route ORDER BY model, route
        """;
    private const string DetectorsSql = """
        SELECT model AS Model, route AS Route, detector AS Detector, SUM(flagged) AS Flagged
        FROM detector_hour_counters WHERE hour >= @from AND hour < @to
        GROUP BY model, route, detector
        """;
    private const string ReviewSql = """
        SELECT model AS Model, route AS Route, COUNT(*) AS Items, SUM(CASE WHEN state = 'done' THEN 0 ELSE 1 END) AS Pending
        FROM review_items GROUP BY model, route
        """;

    /// <summary>Streams with counts for samples that occurred in [from, to) (hour granularity).</summary>
    public async Task<IReadOnlyList<StreamSummary>> ListAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var cover = Reports.WeekCover.Of(from, to, readWeeklyAggregates);
        var streamRows = new List<StreamRow>();
        var detectorRows = new List<DetectorRow>();
        if (cover.FirstWeek is { } firstWeek && cover.LastWeek is { } lastWeek)
        {
            var weeks = new { from = firstWeek, to = lastWeek };
            streamRows.AddRange(await c.QueryAsync<StreamRow>(new CommandDefinition(WeekStreamsSql, weeks, cancellationToken: ct)));
            detectorRows.AddRange(await c.QueryAsync<DetectorRow>(new CommandDefinition(WeekDetectorsSql, weeks, cancellationToken: ct)));
        }
        foreach (var (rangeFrom, rangeTo) in cover.HourRanges)
        {
            var args = new { from = rangeFrom, to = rangeTo };
            streamRows.AddRange(await c.QueryAsync<StreamRow>(new CommandDefinition(StreamsSql, args, cancellationToken: ct)));
            detectorRows.AddRange(await c.QueryAsync<DetectorRow>(new CommandDefinition(DetectorsSql, args, cancellationToken: ct)));
        }
        var streams = streamRows.GroupBy(r => (r.Model, r.Route)).OrderBy(g => g.Key.Model, StringComparer.Ordinal).ThenBy(g => g.Key.Route, StringComparer.Ordinal)
            .Select(g => new StreamRow
            {
                Model = g.Key.Model, Route = g.Key.Route, Total = g.Sum(r => r.Total), Flagged = g.Sum(r => r.Flagged), Volume = g.Sum(r => r.Volume),
                FirstHour = g.Min(r => r.FirstHour), LastHour = g.Max(r => r.LastHour),
            }).ToList();
        var detectors = detectorRows.GroupBy(d => (d.Model, d.Route, d.Detector))
            .Select(g => new DetectorRow { Model = g.Key.Model, Route = g.Key.Route, Detector = g.Key.Detector, Flagged = g.Sum(d => d.Flagged) })
            .ToLookup(d => (d.Model, d.Route));
        var reviews = (await c.QueryAsync<ReviewRow>(new CommandDefinition(ReviewSql, cancellationToken: ct)))
            .ToDictionary(r => (r.Model, r.Route));
        var deployments = (await DeploymentTotalsAsync(c, cover, ct))
            .GroupBy(d => (d.Model, d.Route, d.Deployment))
            .OrderBy(g => g.Key.Deployment, StringComparer.Ordinal)
            .Select(g => (g.Key.Model, g.Key.Route, Total: new DeploymentTotal(g.Key.Deployment, g.Sum(d => d.Total), g.Sum(d => d.Flagged), Rate(g.Sum(d => d.Flagged), g.Sum(d => d.Total)))))
            .ToLookup(d => (d.Model, d.Route), d => d.Total);
        return streams.Select(s =>
        {
            reviews.TryGetValue((s.Model, s.Route), out var r);
            return new StreamSummary(s.Model, s.Route, s.Total, s.Flagged, Rate(s.Flagged, s.Total), s.Volume,
                detectors[(s.Model, s.Route)].ToDictionary(d => d.Detector, d => d.Flagged),
                r?.Items ?? 0, r?.Pending ?? 0, s.FirstHour, s.LastHour)
            {
                Deployments = deployments[(s.Model, s.Route)].ToList(),
            };
        }).ToList();
    }

    private static double Rate(long flagged, long total) => total == 0 ? 0 : (double)flagged / total;

    private sealed class StreamRow
    {
        public string Model { get; set; } = "";
        public string Route { get; set; } = "";
        public long Total { get; set; }
        public long Flagged { get; set; }
        public double Volume { get; set; }
        public DateTimeOffset FirstHour { get; set; }
        public DateTimeOffset LastHour { get; set; }
    }

    private sealed class HourRow
    {
        public string Model { get; set; } = "";
        public string Route { get; set; } = "";
        public string Deployment { get; set; } = "";
        public DateTimeOffset Hour { get; set; }
        public long Total { get; set; }
        public long Flagged { get; set; }
    }

    private sealed class DetectorRow
    {
        public string Model { get; set; } = "";
        public string Route { get; set; } = "";
        public string Detector { get; set; } = "";
        public long Flagged { get; set; }
    }

    private sealed class ReviewRow
    {
        public string Model { get; set; } = "";
        public string Route { get; set; } = "";
        public long Items { get; set; }
        public long Pending { get; set; }
    }
}
