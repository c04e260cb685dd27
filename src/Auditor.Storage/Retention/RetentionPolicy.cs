using Auditor.Contracts;
using Auditor.Review.Reports;

namespace Auditor.Storage.Retention;

/// <summary>
/// How long each time-partitioned table keeps its rows, in days (0 keeps them for good). PostgreSQL drops whole week
/// partitions past it; SQLite deletes rows in batches. Aggregates (stream-hour counters, weekly aggregates, stored
/// reports), verdicts and gold items are not subject to it. See docs/adr/0012-weekly-partitions-and-dedupe-key.md.
/// </summary>
/// <param name="SampleIdsDays">The dedupe table; never shorter than <see cref="MinimumSampleIdsDays"/>.</param>
/// <param name="SamplesDays">Stored samples (text of flagged and selected samples, features of the uniform stratum).</param>
/// <param name="DetectorResultsDays">Per-sample detector results.</param>
/// <param name="ReviewItemsDays">Review items; their verdicts feed reports and calibration.</param>
public sealed record RetentionPolicy(int SampleIdsDays = RetentionPolicy.MinimumSampleIdsDays, int SamplesDays = 0, int DetectorResultsDays = 0, int ReviewItemsDays = 0)
{
    /// <summary>
    /// A dedupe id must outlive the contract's window (30 days back, 5 minutes ahead) so a re-sent sample is never counted
    /// twice, with a margin for clock skew; 35 days is also five whole weeks, the partitions a valid sample can land in.
    /// </summary>
    public const int MinimumSampleIdsDays = 35;

    /// <summary>
    /// A report for week W reads the samples, results and review items of W and its trend weeks (eight in all), and is built
    /// on the Monday after W; one week more keeps every row a report of the last complete week can need.
    /// </summary>
    public const int MinimumDataDays = (WeeklyReportBuilder.TrendWeeks + 1) * 7;

    /// <summary>The problems with this policy, empty when it is valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (SampleIdsDays < MinimumSampleIdsDays)
            problems.Add($"Auditor:Retention:SampleIdsDays must be at least {MinimumSampleIdsDays} (the contract accepts samples up to {new ContractLimits().MaxAge.TotalDays:0} days old; a shorter dedupe window would count a re-sent sample twice).");
        Check(problems, "SamplesDays", SamplesDays);
        Check(problems, "DetectorResultsDays", DetectorResultsDays);
        Check(problems, "ReviewItemsDays", ReviewItemsDays);
        return problems;
    }

    private static void Check(List<string> problems, string name, int days)
    {
        if (days < 0 || (days > 0 && days < MinimumDataDays))
            problems.Add($"Auditor:Retention:{name} must be 0 (keep) or at least {MinimumDataDays} (a report reads {WeeklyReportBuilder.TrendWeeks} weeks back, built the week after).");
    }

    /// <summary>The cut-off for a table kept <paramref name="days"/> days, or null when it is kept for good.</summary>
    public static DateTimeOffset? Before(DateTimeOffset now, int days) => days > 0 ? now - TimeSpan.FromDays(days) : null;
}
