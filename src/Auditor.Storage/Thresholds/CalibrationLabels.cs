using Auditor.Review.Calibration;
using Auditor.Review.Verdicts;
using Dapper;

namespace Auditor.Storage.Thresholds;

/// <summary>
/// Reads detector scores of reviewed items with each item's standing verdicts (abstaining detectors left out); calibration
/// turns them into labels by the one verdict rule (<see cref="StreamLabels.From"/>).
/// </summary>
public sealed class CalibrationLabels(AuditorDatabase database)
{
    public async Task<IReadOnlyList<ReviewedScore>> ReadAsync(CancellationToken ct)
    {
        const string scores = """
            SELECT r.item_id AS ItemId, r.model AS Model, r.route AS Route, r.inclusion_probability AS InclusionProbability, r.state AS State,
                   d.detector AS Detector, d.score AS Score
            FROM review_items r
            JOIN detector_results d ON d.sample_id = r.sample_id AND d.abstained = @no
            WHERE EXISTS (SELECT 1 FROM verdicts v WHERE v.item_id = r.item_id AND v.retracted_at IS NULL)
            ORDER BY r.item_id, d.detector
            """;
        const string verdicts = """
            SELECT v.item_id AS ItemId, v.reviewer AS Reviewer, v.verdict AS Verdict, v.category AS Category
            FROM verdicts v WHERE v.retracted_at IS NULL ORDER BY v.verdict_id
            """;
        await using var c = await database.OpenAsync(ct);
        var rows = await c.QueryAsync<Row>(new CommandDefinition(scores, new { no = false }, cancellationToken: ct));
        var cast = (await c.QueryAsync<VerdictRow>(new CommandDefinition(verdicts, cancellationToken: ct)))
            .ToLookup(v => v.ItemId, v => new CastVerdict(v.Reviewer, v.Verdict, v.Category));
        return rows.Select(r => new ReviewedScore(r.ItemId, r.Detector, r.Model, r.Route, r.Score, r.InclusionProbability, r.State == "done",
            cast[r.ItemId].ToList())).ToList();
    }

    private sealed class Row
    {
        public long ItemId { get; set; }
        public string Model { get; set; } = "";
        public string Route { get; set; } = "";
        public double InclusionProbability { get; set; }
        public string State { get; set; } = "";
        public string Detector { get; set; } = "";
        public double Score { get; set; }
    }

    private sealed class VerdictRow
    {
        public long ItemId { get; set; }
        public string Reviewer { get; set; } = "";
        public string Verdict { get; set; } = "";
        public string? Category { get; set; }
    }
}
