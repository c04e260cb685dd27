using System.Text.Json;
using System.Text.Json.Serialization;

namespace Auditor.Review.Reports;

/// <summary>The JSON report: the record as it is, camelCase, validated by schema/weekly-report.v1.json.</summary>
public static class JsonReportRenderer
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static string Render(WeeklyReport report) => JsonSerializer.Serialize(report, Options);

    public static WeeklyReport? Parse(string json) => JsonSerializer.Deserialize<WeeklyReport>(json, Options);
}
