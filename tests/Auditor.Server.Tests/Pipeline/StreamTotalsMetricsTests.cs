using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Auditor.Contracts;
using Auditor.Storage;
using Auditor.Testing;
using Dapper;

namespace Auditor.Server.Tests.Pipeline;

/// <summary>
/// /metrics stream totals read the hours older than the contract's window once and the recent ones at every refresh:
/// both must be in the totals, exactly, through the real host.
/// </summary>
[Collection("metrics")]
public sealed class StreamTotalsMetricsTests
{
    [Fact]
    public async Task Stream_totals_add_hours_past_the_contract_window_to_the_recent_ones()
    {
        var file = Path.Combine(Path.GetTempPath(), $"auditor-totals-{Guid.NewGuid():N}.db");
        var connectionString = $"Data Source={file}";
        await using (var database = AuditorDatabase.Create(StoreKind.Sqlite, connectionString))
        {
            await database.MigrateAsync(default);
            await using var c = await database.OpenAsync(default);
            var now = DateTimeOffset.UtcNow;
            foreach (var (daysAgo, total, flagged) in new[] { (40, 7L, 2L), (90, 5L, 0L), (2, 4L, 1L) })
            {
                var t = now.AddDays(-daysAgo).UtcDateTime;
                await c.ExecuteAsync("""
                    INSERT INTO stream_hour_counters (model, route, deployment, hour, total, flagged, volume, flagged_volume)
                    VALUES ('llama-3.1-8b-instruct', 'totals/old', '', @hour, @total, @flagged, @total, @flagged)
                    """, new { hour = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero), total, flagged });
            }
        }
        try
        {
            await using var app = new AuditorApp(new() { ["ConnectionStrings:Sqlite"] = connectionString, ["Auditor:Metrics:StreamRefreshSeconds"] = "1" });
            var samples = Enumerable.Range(0, 3).Select(i => TestSamples.Valid($"totals-{Guid.NewGuid():N}", $"Answer {i}.") with { Route = "totals/old" }).ToList();
            var posted = await app.CreateIngestClient().PostAsJsonAsync("/api/v1/samples", samples, OutputSampleJson.Options);
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);

            var anonymous = app.CreateClient();
            var text = await Eventually.Get(() => anonymous.GetStringAsync("/metrics"), t => Value(t, "auditor_stream_counted_total") == 7 + 5 + 4 + 3,
                TimeSpan.FromSeconds(20), "old, recent and new samples in the stream's total");
            Assert.Equal(7 + 5 + 4 + 3, Value(text, "auditor_stream_counted_total"));
            Assert.Equal(2 + 0 + 1, Value(text, "auditor_stream_flagged_total"));
        }
        finally
        {
            TestDatabase.DeleteSqliteFiles(file);
        }
    }

    private static double Value(string exposition, string name)
    {
        var line = exposition.Split('\n').SingleOrDefault(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains("route=\"totals/old\"", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }
}
