using Dapper;

namespace Auditor.Storage.Reports;

/// <summary>A stored weekly report in every format.</summary>
public sealed record StoredReport(string Week, DateTimeOffset GeneratedAt, string Json, string Markdown, string Html);

/// <summary>Weekly reports kept by the scheduled run, one per ISO week (a re-run replaces it).</summary>
public sealed class WeeklyReportStore(AuditorDatabase database)
{
    public async Task SaveAsync(StoredReport report, CancellationToken ct)
    {
        const string sql = """
            INSERT INTO weekly_reports (week, generated_at, json, markdown, html) VALUES (@Week, @GeneratedAt, @Json, @Markdown, @Html)
            ON CONFLICT (week) DO UPDATE SET generated_at = excluded.generated_at, json = excluded.json, markdown = excluded.markdown, html = excluded.html
            """;
        await using var c = await database.OpenAsync(ct);
        await c.ExecuteAsync(new CommandDefinition(sql, report, cancellationToken: ct));
    }

    public async Task<StoredReport?> FindAsync(string week, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            "SELECT week AS Week, generated_at AS GeneratedAt, json AS Json, markdown AS Markdown, html AS Html FROM weekly_reports WHERE week = @week",
            new { week }, cancellationToken: ct));
        return row is null ? null : new StoredReport(row.Week, row.GeneratedAt, row.Json, row.Markdown, row.Html);
    }

    public async Task<IReadOnlyList<(string Week, DateTimeOffset GeneratedAt)>> ListAsync(CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var rows = await c.QueryAsync<Row>(new CommandDefinition("SELECT week AS Week, generated_at AS GeneratedAt FROM weekly_reports ORDER BY week DESC", cancellationToken: ct));
        return rows.Select(r => (r.Week, r.GeneratedAt)).ToList();
    }

    private sealed class Row
    {
        public string Week { get; set; } = "";
        public DateTimeOffset GeneratedAt { get; set; }
        public string Json { get; set; } = "";
        public string Markdown { get; set; } = "";
        public string Html { get; set; } = "";
    }
}
