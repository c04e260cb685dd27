using Auditor.Review.Calibration;
using Dapper;

namespace Auditor.Storage.Thresholds;

/// <summary>Reviewed items of one detector on one stream, as calibration input.</summary>
public sealed record StreamLabels(string Detector, string Model, string Route, IReadOnlyList<LabelledScore> Labels);

/// <summary>
/// Reads reviewer labels joined to detector scores. An item's label is its reviewers' majority (ok or failure);
/// unsure verdicts, undone verdicts, ties and abstaining detectors are left out.
/// </summary>
public sealed class CalibrationLabels(AuditorDatabase database)
{
    public async Task<IReadOnlyList<StreamLabels>> ReadAsync(CancellationToken ct)
    {
        const string sql = """
            SELECT r.item_id AS ItemId, r.model AS Model, r.route AS Route, r.inclusion_probability AS InclusionProbability,
                   d.detector AS Detector, d.score AS Score,
                   SUM(CASE WHEN v.verdict = 'failure' THEN 1 ELSE 0 END) AS Failures,
                   SUM(CASE WHEN v.verdict = 'ok' THEN 1 ELSE 0 END) AS Oks
            FROM review_items r
            JOIN verdicts v ON v.item_id = r.item_id AND v.retracted_at IS NULL AND v.verdict IN ('ok', 'failure')
            JOIN detector_results d ON d.sample_id = r.sample_id AND d.abstained = @no
            GROUP BY r.item_id, r.model, r.route, r.inclusion_probability, d.detector, d.score
            """;
        await using var c = await database.OpenAsync(ct);
        var rows = await c.QueryAsync<Row>(new CommandDefinition(sql, new { no = false }, cancellationToken: ct));
        return rows.Where(r => r.Failures != r.Oks)
            .GroupBy(r => (r.Detector, r.Model, r.Route))
            .Select(g => new StreamLabels(g.Key.Detector, g.Key.Model, g.Key.Route,
                g.Select(r => new LabelledScore(r.Score, r.Failures > r.Oks, r.InclusionProbability)).ToList()))
            .ToList();
    }

    private sealed class Row
    {
        public long ItemId { get; set; }
        public string Model { get; set; } = "";
        public string Route { get; set; } = "";
        public double InclusionProbability { get; set; }
        public string Detector { get; set; } = "";
        public double Score { get; set; }
        public long Failures { get; set; }
        public long Oks { get; set; }
    }
}
