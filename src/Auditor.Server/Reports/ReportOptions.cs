using System.Globalization;
using Auditor.Review.Reports;

namespace Auditor.Server.Reports;

/// <summary>Auditor:Reports: when the weekly report runs (UTC), and whether it runs at all.</summary>
public sealed class ReportOptions
{
    public const string Section = "Auditor:Reports";

    public bool Enabled { get; set; } = true;
    public string Day { get; set; } = "Monday";
    public string Time { get; set; } = "06:00";

    /// <summary>How long a built report is served to readers before it is built again (ReportCache); 0 builds on every request.</summary>
    public int CacheSeconds { get; set; } = 60;

    public bool TryGetSchedule(out ReportSchedule schedule)
    {
        schedule = ReportSchedule.Default;
        if (!Enum.TryParse<DayOfWeek>(Day, ignoreCase: true, out var day) || !Enum.IsDefined(day)
            || !TimeOnly.TryParseExact(Time, ["HH:mm", "H:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            return false;
        schedule = new ReportSchedule(day, time);
        return true;
    }
}
