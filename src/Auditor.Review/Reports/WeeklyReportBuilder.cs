using Auditor.Review.Estimation;
using Auditor.Review.Incidents;
using Auditor.Review.Reviewers;
using Auditor.Review.Verdicts;

namespace Auditor.Review.Reports;

/// <summary>A reviewed output the report may show, with its review item id. Output is hostile model text.</summary>
public sealed record ReportExampleSource(string SampleId, long ItemId, StreamKey Stream, string Verdict, string? Category, IReadOnlyList<string> FlaggedBy, string Output);

/// <summary>
/// Everything the report is built from. Counts and items cover the trend weeks ending with Week; DeploymentCounts are
/// the counters per deployment (at least the reported week), items name their deployment. ReferenceVerdicts (every
/// verdict of the trend weeks) and Gold (known verdicts by sample id) measure reviewer error. Reviewers, when given, is
/// what those verdicts give already tallied (the weekly tallies, migration 0017), and Verdicts, ReferenceVerdicts and
/// Gold are then not read.
/// </summary>
public sealed record WeeklyReportInput(
    IsoWeek Week,
    DateTimeOffset GeneratedAt,
    IReadOnlyList<StreamHourCounts> Counts,
    IReadOnlyList<ReviewItem> Items,
    IReadOnlyList<ReportExampleSource> Examples,
    IReadOnlyList<Incident> Incidents,
    IReadOnlyList<ReviewerVerdict> Verdicts,
    IReadOnlyList<StreamHourCounts>? DeploymentCounts = null,
    IReadOnlyList<ReviewerVerdict>? ReferenceVerdicts = null,
    IReadOnlyDictionary<string, ReviewVerdict>? Gold = null,
    TalliedReviewers? Reviewers = null);

/// <summary>
/// Reviewer agreement and accuracy counted: the reported week's rated pairs (<see cref="ReviewerAgreementEstimator.PairsOf"/>
/// of each sample) and the trend weeks' judgements (<see cref="ReviewerAccuracyEstimator.FromItems"/> of each sample).
/// </summary>
public sealed record TalliedReviewers(IReadOnlyList<RatedPair> WeekPairs, IReadOnlyList<ReferenceJudgement> Judgements);

/// <summary>Where the report's links point (the server's pages by default; relative, so they work behind any host).</summary>
public sealed record ReportLinks(Func<string, string> Sample, Func<long, string> Incident)
{
    public static ReportLinks Default { get; } = new(id => $"/samples/{Uri.EscapeDataString(id)}", id => $"/incidents#incident-{id}");
}

/// <summary>
/// Builds the weekly report from counters, review items, incidents and verdicts by calling the estimators
/// (<see cref="WeeklyEstimator"/>, <see cref="ReviewerAgreementEstimator"/>); it adds no statistics of its own.
/// </summary>
public static class WeeklyReportBuilder
{
    public const int TrendWeeks = 8;
    public const int ExamplesPerStream = 5;
    public const int ExampleChars = 600;
    public const int TrendDraws = 2_000;

    public static WeeklyReport Build(WeeklyReportInput input, ReportLinks? links = null, EstimationOptions? options = null)
    {
        links ??= ReportLinks.Default;
        var first = input.Week.Minus(TrendWeeks - 1);
        // The reported week with the full draws; the seven trend weeks with TrendDraws (their points only feed the trend
        // table and chart, and 2,000 draws put the Monte Carlo error of a percentile well under a tenth of a point there).
        options ??= EstimationOptions.Default;
        bool InWeek(DateTimeOffset t) => t >= input.Week.StartUtc && t < input.Week.EndUtc;
        bool InTrend(DateTimeOffset t) => t >= first.StartUtc && t < input.Week.StartUtc;
        var estimates = WeeklyEstimator.Estimate(input.Counts.Where(c => InWeek(c.Hour)), input.Items.Where(i => InWeek(i.Hour)), options)
            .Concat(WeeklyEstimator.Estimate(input.Counts.Where(c => InTrend(c.Hour)), input.Items.Where(i => InTrend(i.Hour)),
                options with { Draws = Math.Min(options.Draws, TrendDraws) }))
            .ToDictionary(w => w.WeekStart);
        var weeks = Enumerable.Range(0, TrendWeeks).Select(i => first.Minus(-i)).ToArray();
        var empty = WeeklyEstimator.EstimateCell(null, input.Week.Start, [], [], options);
        CellEstimate OverallOf(IsoWeek w) => estimates.TryGetValue(w.Start, out var e) ? e.Overall : empty with { WeekStart = w.Start };
        CellEstimate? StreamOf(IsoWeek w, StreamKey s) => estimates.TryGetValue(w.Start, out var e) ? e.Streams.FirstOrDefault(c => c.Stream == s) : null;

        var current = OverallOf(input.Week);
        var overallWeeks = weeks.Select(w => Point(w, OverallOf(w))).ToList();
        var streamKeys = estimates.TryGetValue(input.Week.Start, out var thisWeek)
            ? thisWeek.Streams.Select(c => c.Stream!).ToList()
            : [];

        var deployments = Deployments(input, options);
        var streams = streamKeys.Select(s =>
        {
            var split = deployments.Where(d => d.Model == s.Model && d.Route == s.Route).ToList();
            var cell = StreamOf(input.Week, s)!;
            var trend = weeks.Select(w => StreamOf(w, s) is { } c ? Point(w, c) : Point(w, empty with { Stream = s, WeekStart = w.Start })).ToList();
            var examples = input.Examples.Where(e => e.Stream == s)
                .OrderByDescending(e => e.Verdict == "failure").ThenBy(e => e.ItemId).Take(ExamplesPerStream)
                .Select(e => new ExampleOutput(e.SampleId, e.ItemId, e.Verdict, e.Category, e.FlaggedBy,
                    e.Output.Length > ExampleChars ? e.Output[..ExampleChars] : e.Output, e.Output.Length > ExampleChars, links.Sample(e.SampleId)))
                .ToList();
            var power = cell.Estimate.Power.UnderPowered
                ? cell.Estimate.Power with { Note = PowerAdvice.For(s, cell, input.Items.Where(i => i.Stream == s && InWeek(i.Hour)), options) }
                : cell.Estimate.Power;
            return new StreamReport(s.Model, s.Route, cell.Volume.Samples, cell.Volume.Volume, cell.Volume.FlagRate,
                RateInterval.From(cell.Estimate.FailureRate), RateInterval.From(cell.Estimate.Precision), RateInterval.From(cell.Estimate.Recall), trend,
                cell.Detectors.Select(d => new DetectorLine(d.Detector, d.Flags, d.FlagRate, d.Reviewed, d.Failures, RateInterval.From(d.Precision))).ToList(),
                new CoverageLine(cell.Coverage.Selected, cell.Coverage.Decisive, cell.Coverage.Unsure, cell.Coverage.Pending, cell.Coverage.Coverage, cell.Coverage.Low),
                new PowerLine(power.UnderPowered, power.HalfWidth, power.AdditionalUniformReviews, power.ReachableThisWeek, power.Note),
                cell.Warnings, examples, split.Count > 1 ? split : []);
        }).ToList();

        var incidents = input.Incidents
            .Where(i => i.Status != IncidentStatuses.Merged)
            .Where(i => i.IsOpen || (i.OnsetAt < input.Week.EndUtc && (i.ResolvedAt is null || i.ResolvedAt >= input.Week.StartUtc)) || (i.DetectedAt >= input.Week.StartUtc && i.DetectedAt < input.Week.EndUtc))
            .OrderBy(i => i.OnsetAt).Select(i => IncidentLine.From(i, links.Incident(i.IncidentId))).ToList();
        var openIncidents = incidents.Count(i => i.Status is IncidentStatuses.Open or IncidentStatuses.Confirmed);
        var openedThisWeek = incidents.Count(i => i.DetectedAt >= input.Week.StartUtc && i.DetectedAt < input.Week.EndUtc);

        var trendText = Trend(overallWeeks);
        var agreement = input.Reviewers is { } tallied ? ReviewerAgreementEstimator.Estimate(tallied.WeekPairs) : ReviewerAgreementEstimator.Estimate(input.Verdicts);
        var accuracy = ReviewerAccuracy(input, agreement.Kappa, options);
        var corrected = ReviewerErrorCorrection.Correct(current.Estimate.FailureRate, accuracy.Pooled);
        var previous = overallWeeks.Take(overallWeeks.Count - 1).LastOrDefault(w => w.FailureRate.Value is not null);
        var change = previous is null ? null : RateChange.Between(previous.Week, previous.FailureRate, overallWeeks[^1].FailureRate);
        var topLine = TopLine.Sentence(current.Volume.Samples, RateInterval.From(current.Estimate.FailureRate), change, TopLine.Worst(deployments));
        var summary = new ReportSummary(current.Volume.Samples, current.Volume.Volume, current.Volume.FlagRate,
            RateInterval.From(current.Estimate.FailureRate), RateInterval.From(current.Estimate.Precision), RateInterval.From(current.Estimate.Recall),
            trendText, overallWeeks, openIncidents, openedThisWeek,
            Headline(current, topLine, openIncidents, openedThisWeek, incidents, streams, corrected, accuracy), topLine, change,
            corrected is null ? null : RateInterval.From(corrected));

        var notes = new StatisticalNotes(Design, SamplingRateNote,
            streams.SelectMany(s => s.Warnings.Select(w => $"{s.Model}/{s.Route}: {w}")).Concat(current.Coverage.Warnings).Distinct().ToList(),
            streams.Where(s => s.Power.UnderPowered).Select(s => new UnderPoweredCell(s.Model, s.Route, s.Power.AdditionalUniformReviews, s.Power.ReachableThisWeek, s.Power.Note)).ToList(),
            new AgreementLine(agreement.Items, agreement.ObservedAgreement, agreement.Kappa, agreement.Note),
            accuracy.Reviewers.Select(ReviewerLine.From).ToList(), accuracy.Warnings);

        return new WeeklyReport(1, input.Week.ToString(), input.Week.Start, input.Week.Start.AddDays(7), input.GeneratedAt, summary, streams, incidents, notes, deployments,
            DeploymentComparison.Of(deployments));
    }

    /// <summary>Every (stream, deployment) of the reported week, estimated like a stream (its own two strata).</summary>
    private static List<DeploymentLine> Deployments(WeeklyReportInput input, EstimationOptions options)
    {
        bool InWeek(DateTimeOffset t) => t >= input.Week.StartUtc && t < input.Week.EndUtc;
        var counts = (input.DeploymentCounts ?? []).Where(c => InWeek(c.Hour)).ToLookup(c => (c.Stream, c.Deployment ?? ""));
        var items = input.Items.Where(i => InWeek(i.Hour)).ToLookup(i => (i.Stream, i.Deployment));
        return counts.Select(g => g.Key).Union(items.Select(g => g.Key))
            .OrderBy(k => k.Stream.Model, StringComparer.Ordinal).ThenBy(k => k.Stream.Route, StringComparer.Ordinal).ThenBy(k => k.Item2, StringComparer.Ordinal)
            .Select(k =>
            {
                var cell = WeeklyEstimator.EstimateCell(k.Stream, input.Week.Start, counts[k].ToArray(), items[k].ToArray(), options);
                return new DeploymentLine(k.Stream.Model, k.Stream.Route, k.Item2, cell.Volume.Samples, cell.Volume.FlagRate, cell.Estimate.Reviewed,
                    RateInterval.From(cell.Estimate.FailureRate));
            })
            .Where(d => d.Samples > 0)
            .ToList();
    }

    private static WeekPoint Point(IsoWeek week, CellEstimate cell) =>
        new(week.ToString(), week.Start, cell.Volume.Samples, cell.Volume.FlagRate, RateInterval.From(cell.Estimate.FailureRate), cell.Estimate.Reviewed);

    /// <summary>
    /// Up or down only when this week's interval does not overlap the previous week's: a change the data cannot tell from
    /// noise is called "no clear change", so the summary never reads a wobble as a trend.
    /// </summary>
    internal static string Trend(IReadOnlyList<WeekPoint> weeks)
    {
        var now = weeks[^1].FailureRate;
        var before = weeks.Take(weeks.Count - 1).LastOrDefault(w => w.FailureRate.Value is not null);
        if (now.Value is null)
            return "no failure-rate estimate this week (no decisive reviews in some stratum)";
        if (before is null)
            return "no earlier week to compare with";
        var prev = before.FailureRate;
        var direction = now.Lower > prev.Upper ? "up" : now.Upper < prev.Lower ? "down" : "no clear change";
        return $"{direction} against {before.Week} ({Text.Percent(prev.Value)}, {Text.Percent(prev.Lower)}–{Text.Percent(prev.Upper)})";
    }

    /// <summary>Reviewers measured against gold items and against the settled verdict of their colleagues on double reviews, over the trend weeks.</summary>
    private static ReviewerAccuracySummary ReviewerAccuracy(WeeklyReportInput input, double? kappa, EstimationOptions options)
    {
        if (input.Reviewers is { } tallied)
            return ReviewerAccuracyEstimator.Estimate(tallied.Judgements, kappa, options);
        var gold = input.Gold ?? new Dictionary<string, ReviewVerdict>();
        var items = (input.ReferenceVerdicts ?? input.Verdicts).GroupBy(v => v.SampleId, StringComparer.Ordinal)
            .Select(g => (Verdicts: (IReadOnlyList<CastVerdict>)g.Select(v => new CastVerdict(v.Reviewer, Word(v.Verdict), null)).ToList(),
                Gold: gold.TryGetValue(g.Key, out var known) ? known : (ReviewVerdict?)null))
            .Where(i => i.Gold is not null || i.Verdicts.Count > 1);
        return ReviewerAccuracyEstimator.Estimate(ReviewerAccuracyEstimator.FromItems(items), kappa, options);
    }

    private static string Word(ReviewVerdict v) => v switch { ReviewVerdict.Failure => "failure", ReviewVerdict.Ok => "ok", _ => "unsure" };

    private static List<string> Headline(CellEstimate current, string topLine, int open, int opened, IReadOnlyList<IncidentLine> incidents, IReadOnlyList<StreamReport> streams,
        IntervalEstimate? corrected, ReviewerAccuracySummary accuracy)
    {
        var lines = new List<string> { topLine };
        if (current.Volume.Samples > 0)
            lines.Add($"{Text.Number(current.Volume.Samples)} samples; detectors flagged {Text.Percent(current.Volume.FlagRate)}, with precision {Text.Interval(RateInterval.From(current.Estimate.Precision))} and recall {Text.Interval(RateInterval.From(current.Estimate.Recall))}.");
        if (corrected is not null && accuracy.Pooled.Sensitivity is { } se && accuracy.Pooled.Specificity is { } sp)
            lines.Add($"Corrected for reviewer error (reviewers caught {Text.Percent(se.Value)} of {accuracy.Pooled.Failures} known failures and kept {Text.Percent(sp.Value)} of {accuracy.Pooled.Oks} known good outputs): {Text.Interval(RateInterval.From(corrected))}.");
        lines.AddRange(accuracy.Warnings.Where(w => !w.StartsWith("No gold item", StringComparison.Ordinal) || accuracy.Pooled.Failures + accuracy.Pooled.Oks > 0));
        var ttd = incidents.Where(i => i.Status != IncidentStatuses.Merged).Select(i => i.TimeToDetectionMinutes).ToArray();
        lines.Add(open == 0 && opened == 0
            ? "No incident opened this week, none open."
            : $"{opened} incidents opened this week, {open} open now" + (ttd.Length > 0 ? $"; median time to detection {Text.Duration(Median(ttd))}." : "."));
        var weak = streams.Count(s => s.Power.UnderPowered);
        if (weak > 0)
            lines.Add($"{weak} of {streams.Count} streams are under-powered (interval wider than ±1 point): see the statistical notes.");
        return lines;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static readonly string[] Design =
    [
        "Every sample is counted per stream and hour; detectors run on all of them. Review selects a uniform fraction u of all samples (hash of the sample id, whatever the detectors said) and a fraction f of the other flagged samples.",
        "Estimates stratify each stream by flag status: reviewed flagged items are a simple random sample of the flagged samples, reviewed unflagged items (uniform draw only) of the unflagged ones. Failure rate = (N_F p_F + N_U p_U) / N; precision = p_F; recall = N_F p_F / (N_F p_F + N_U p_U).",
        "Per stream (and deployment), intervals are 95% Jeffreys posterior simulations with a finite-population step (10,000 draws for the reported week, 2,000 for the seven earlier weeks of the trend; fixed seed, so a report is reproducible); a stratum with samples but no decisive review gives bounds (its rate at 0 and at 1), not a point estimate.",
        "Over all streams, the design-based stratified estimator: per-stratum variances combined, Wilson intervals per flag group at their effective size joined by MOVER; a stream's stratum without a decisive review is estimated by the rest of its flag group, with the variance of an unknown rate added. The week-on-week change is the difference of the two weeks with Newcombe's interval.",
        "Recall is a lower bound ('at least') where no reviewed unflagged sample failed: finding no missed failure is not evidence that none was missed.",
        "Flagged-only reviews estimate precision, never the rate. Unsure verdicts are left out of every rate and counted. An item reviewed twice counts the verdict a strict majority gave (unsure is a vote); anything else counts as unsure. Reviewers are measured against gold items and colleagues' settled double reviews (sensitivity, specificity); the all-streams rate is also given corrected for their error (Rogan-Gladen, with that uncertainty carried).",
        "Weeks are ISO weeks: Monday 00:00 UTC to the next Monday, by the time the output occurred.",
    ];

    private const string SamplingRateNote =
        "Publishers may head-sample with a rate r; such a sample stands for 1/r outputs. Volumes (and the volume column) are scaled by 1/r. "
        + "Rates, precision and recall are estimated over the counted samples, unweighted by 1/r: they are the rates among the outputs Auditor received, "
        + "which equal the production rates when a stream's sampling rate does not depend on the output (head sampling decides before the output exists).";
}
