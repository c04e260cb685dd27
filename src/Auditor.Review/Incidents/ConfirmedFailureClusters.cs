using Auditor.Review.Estimation;

namespace Auditor.Review.Incidents;

/// <summary>A sample whose settled verdict is failure, with its category and when it occurred.</summary>
public sealed record ConfirmedFailure(string SampleId, StreamKey Stream, string Category, DateTimeOffset OccurredAt, DateTimeOffset ConfirmedAt);

/// <summary>Several confirmed failures of one category in one stream within a window.</summary>
public sealed record FailureCluster(StreamKey Stream, string Category, DateTimeOffset Onset, DateTimeOffset LastConfirmedAt, IReadOnlyList<string> SampleIds)
{
    public string Summary =>
        $"Reviewers confirmed {SampleIds.Count} '{Category}' failures in {Stream} between {Onset:yyyy-MM-dd HH:mm}Z and {LastConfirmedAt:yyyy-MM-dd HH:mm}Z.";
}

/// <summary>Finds clusters of reviewer-confirmed failures: at least MinFailures of one category within Window of occurrence.</summary>
public static class ConfirmedFailureClusters
{
    public static IReadOnlyList<FailureCluster> Find(IEnumerable<ConfirmedFailure> failures, int minFailures, TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minFailures, 1);
        var clusters = new List<FailureCluster>();
        foreach (var group in failures.GroupBy(f => (f.Stream, f.Category)))
        {
            var sorted = group.OrderBy(f => f.OccurredAt).ToArray();
            // The earliest run of minFailures within the window: its first sample is the onset.
            for (var i = 0; i + minFailures - 1 < sorted.Length; i++)
            {
                var run = sorted.Skip(i).TakeWhile(f => f.OccurredAt - sorted[i].OccurredAt <= window).ToArray();
                if (run.Length < minFailures)
                    continue;
                clusters.Add(new FailureCluster(group.Key.Stream, group.Key.Category, sorted[i].OccurredAt,
                    run.Max(f => f.ConfirmedAt), run.Select(f => f.SampleId).ToList()));
                break;
            }
        }
        return clusters;
    }
}
