namespace Auditor.Review.Estimation;

/// <summary>
/// Builds the weekly estimates from the stream-hour counters and the review items: per stream and week, and per
/// week over all streams. Weeks start on Monday, UTC. Strata are (stream, flagged) and (stream, unflagged), so the
/// overall cell weighs every stream by its own traffic and stays right when streams have different review fractions.
/// </summary>
public static class WeeklyEstimator
{
    public static IReadOnlyList<WeekEstimates> Estimate(
        IEnumerable<StreamHourCounts> counts, IEnumerable<ReviewItem> items, EstimationOptions? options = null)
    {
        options = (options ?? EstimationOptions.Default).Validated();
        var countsByWeek = counts.ToLookup(c => WeekStart(c.Hour));
        var itemsByWeek = items.ToLookup(i => WeekStart(i.Hour));
        var weeks = countsByWeek.Select(g => g.Key).Union(itemsByWeek.Select(g => g.Key)).Order();

        return weeks.Select(week =>
        {
            var weekCounts = countsByWeek[week].ToArray();
            var weekItems = itemsByWeek[week].ToArray();
            var streams = weekCounts.Select(c => c.Stream).Union(weekItems.Select(i => i.Stream))
                .OrderBy(s => s.Model, StringComparer.Ordinal).ThenBy(s => s.Route, StringComparer.Ordinal).ToArray();
            var cells = streams.Select(s => EstimateCell(s, week,
                weekCounts.Where(c => c.Stream == s).ToArray(), weekItems.Where(i => i.Stream == s).ToArray(), options)).ToList();
            var overall = EstimateCell(null, week, weekCounts, weekItems, options);
            return new WeekEstimates(week, cells, overall);
        }).ToList();
    }

    /// <summary>One cell: pass the counts and items of one stream (or of all streams, with stream null) for one week.</summary>
    public static CellEstimate EstimateCell(
        StreamKey? stream, DateOnly weekStart, IReadOnlyCollection<StreamHourCounts> counts, IReadOnlyCollection<ReviewItem> items, EstimationOptions? options = null)
    {
        options = (options ?? EstimationOptions.Default).Validated();
        var warnings = new List<string>();
        // Ordinal order, not order of appearance: the strata's sums then run in one order whatever order the rows came in
        // (items one by one or weekly tallies), so both give the same figures to the last bit.
        var streams = counts.Select(c => c.Stream).Union(items.Select(i => i.Stream)).Distinct()
            .OrderBy(s => s.Model, StringComparer.Ordinal).ThenBy(s => s.Route, StringComparer.Ordinal).ToArray();

        var strata = new List<Stratum>();
        foreach (var s in streams)
        {
            var streamCounts = counts.Where(c => c.Stream == s).ToArray();
            var streamItems = items.Where(i => i.Stream == s).ToArray();
            long total = streamCounts.Sum(c => c.Total), flagged = streamCounts.Sum(c => c.Flagged);
            if (flagged > total)
                throw new ArgumentException($"Stream {s}: {flagged} flagged samples is more than the {total} counted.", nameof(counts));
            strata.Add(StratumOf($"{s} flagged", true, flagged, streamItems.Where(ReviewCoverageCheck.IsFlagged)));
            strata.Add(StratumOf($"{s} unflagged", false, total - flagged, streamItems.Where(i => !ReviewCoverageCheck.IsFlagged(i))));
            warnings.AddRange(InclusionProbabilityWarnings(s, streamItems));
        }

        // All streams: the design-based estimator (a per-stratum posterior summed over many sparse strata is biased);
        // one stream: the Jeffreys posterior simulation, whose two strata it handles exactly.
        var estimate = stream is null ? DesignBasedEstimator.Estimate(strata, options) : StratifiedRateEstimator.Estimate(strata, options);
        var coverage = ReviewCoverageCheck.Assess(items, options);
        warnings.AddRange(estimate.Warnings);
        warnings.AddRange(coverage.Warnings);
        if (coverage.Unsure > 0)
            warnings.Add($"{coverage.Unsure} unsure verdicts are excluded from every rate.");
        if (estimate.Power.Note is { } powerNote && estimate.Population > 0)
            warnings.Add(powerNote);

        return new CellEstimate(stream, weekStart, Volume(counts), Detectors(streams, counts, items, options, allStreams: stream is null), estimate, coverage, warnings);
    }

    /// <summary>The Monday (UTC) that starts the week holding this instant.</summary>
    public static DateOnly WeekStart(DateTimeOffset instant)
    {
        var day = DateOnly.FromDateTime(instant.UtcDateTime);
        return day.AddDays(-(((int)day.DayOfWeek + 6) % 7));
    }

    private static Stratum StratumOf(string name, bool flagged, long population, IEnumerable<ReviewItem> items)
    {
        var decisive = items.Where(ReviewCoverageCheck.IsDecisive).ToArray();
        return new Stratum(name, flagged, population, decisive.Sum(i => i.Count), decisive.Where(i => i.Verdict == ReviewVerdict.Failure).Sum(i => i.Count));
    }

    private static IEnumerable<string> InclusionProbabilityWarnings(StreamKey stream, IReadOnlyCollection<ReviewItem> items)
    {
        foreach (var group in items.GroupBy(ReviewCoverageCheck.IsFlagged))
        {
            var distinct = group.Select(i => Math.Round(i.InclusionProbability, 9)).Distinct().Count();
            if (distinct > 1)
                yield return $"Stream {stream}: {(group.Key ? "flagged" : "unflagged")} items carry {distinct} different inclusion probabilities (the review fractions changed this week); "
                    + "they are treated as one simple random sample, which is biased if the failure rate moved with the change. Estimate the parts of the week separately.";
        }
    }

    private static VolumeSummary Volume(IReadOnlyCollection<StreamHourCounts> counts)
    {
        long total = counts.Sum(c => c.Total), flagged = counts.Sum(c => c.Flagged);
        return new VolumeSummary(total, flagged, counts.Sum(c => c.Volume), counts.Sum(c => c.FlaggedVolume),
            total > 0 ? (double)flagged / total : null);
    }

    private static List<DetectorEstimate> Detectors(
        IReadOnlyList<StreamKey> streams, IReadOnlyCollection<StreamHourCounts> counts, IReadOnlyCollection<ReviewItem> items, EstimationOptions options, bool allStreams)
    {
        var total = counts.Sum(c => c.Total);
        var detectors = counts.SelectMany(c => c.FlagsByDetector.Keys).Union(items.SelectMany(i => i.FlaggedBy))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return detectors.Select(d =>
        {
            var strata = streams.Select(s => StratumOf($"{s} flagged by {d}", true,
                counts.Where(c => c.Stream == s).Sum(c => c.FlagsByDetector.GetValueOrDefault(d)),
                items.Where(i => i.Stream == s && i.FlaggedBy.Contains(d, StringComparer.Ordinal)))).ToList();
            var flags = strata.Sum(s => s.Population);
            var reviewed = strata.Sum(s => s.Reviewed);
            var rate = allStreams ? DesignBasedEstimator.EstimateRate(strata, options) : StratifiedRateEstimator.EstimateRate(strata, options);
            var precision = rate with
            {
                Note = rate.Known ? $"Failure rate among samples {d} flagged, from {reviewed} decisive reviews." : rate.Note,
            };
            return new DetectorEstimate(d, flags, total > 0 ? (double)flags / total : null, reviewed, strata.Sum(s => s.Failures), precision);
        }).ToList();
    }
}
