using System.Text;
using Auditor.Storage;
using Dapper;

namespace Auditor.Server.Tests.Hostile;

/// <summary>What became of one hostile case on one path: the answer, the rule kept, and where it ended up.</summary>
public sealed record HostileOutcome(HostileCase Case, string Status, string? Rule, string Where, bool NeighboursCounted);

/// <summary>Reads where each case ended up and writes the catalogue table (to AUDITOR_HOSTILE_REPORT when set).</summary>
public static class HostileRun
{
    /// <summary>The rejected_samples rows by payload hash: source, errors (JSON text) and how the payload was kept.</summary>
    public static async Task<Dictionary<string, (string Source, string Errors, string Encoding)>> RejectedByHashAsync(AuditorDatabase db)
    {
        await using var c = await db.OpenAsync(default);
        var rows = await c.QueryAsync<(string Hash, string Source, string Errors, string Encoding)>(
            "SELECT payload_hash, source, CAST(errors AS text), payload_encoding FROM rejected_samples");
        return rows.ToDictionary(r => r.Hash, r => (r.Source, r.Errors, r.Encoding));
    }

    public static async Task<bool> IsCountedAsync(AuditorDatabase db, string sampleId) => await db.CountedAsync([sampleId]) == 1;

    public static void Report(string title, IReadOnlyList<HostileOutcome> outcomes)
    {
        var path = Environment.GetEnvironmentVariable("AUDITOR_HOSTILE_REPORT");
        if (string.IsNullOrEmpty(path))
            return;
        var sb = new StringBuilder();
        sb.AppendLine().AppendLine($"### {title}").AppendLine()
            .AppendLine("| class | status | rule | where it ended up | valid neighbours counted |")
            .AppendLine("|---|---|---|---|---|");
        foreach (var o in outcomes)
            sb.AppendLine($"| {o.Case.Class} | {o.Status} | {o.Rule ?? "-"} | {o.Where} | {(o.NeighboursCounted ? "yes" : "NO")} |");
        lock (typeof(HostileRun))
            File.AppendAllText(path, sb.ToString());
    }
}
