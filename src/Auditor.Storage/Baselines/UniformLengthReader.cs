using Dapper;

namespace Auditor.Storage.Baselines;

/// <summary>
/// Output lengths of the uniform stratum, the unbiased picture of each stream, for the length baselines. The window is
/// whole hours ending at the last hour boundary, and per stream the most recent rows are taken in a fixed order, so
/// every consumer reading the same database in the same hour gets the same rows.
/// </summary>
public sealed class UniformLengthReader(AuditorDatabase database)
{
    public async Task<IReadOnlyList<(string Model, string Route, int CharLength)>> ReadAsync(DateTimeOffset now, TimeSpan window, int perStream, CancellationToken ct)
    {
        var end = new DateTimeOffset(now.UtcDateTime.Year, now.UtcDateTime.Month, now.UtcDateTime.Day, now.UtcDateTime.Hour, 0, 0, TimeSpan.Zero);
        var charLength = database.Kind == StoreKind.Postgres ? "CAST(s.features->>'charLength' AS integer)" : "CAST(json_extract(s.features, '$.charLength') AS integer)";
        var sql = $"""
            SELECT Model, Route, CharLength FROM (
                SELECT s.model AS Model, s.route AS Route, {charLength} AS CharLength,
                       ROW_NUMBER() OVER (PARTITION BY s.model, s.route ORDER BY s.occurred_at DESC, s.sample_id) AS n
                FROM samples s JOIN review_items r ON r.sample_id = s.sample_id
                WHERE r.stratum = 'uniform' AND s.output_captured = @captured AND s.occurred_at >= @from AND s.occurred_at < @end) ranked
            WHERE n <= @perStream
            """;
        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<(string, string, int)>(new CommandDefinition(sql, new { from = end - window, end, perStream, captured = true }, cancellationToken: ct))).ToList();
    }
}
