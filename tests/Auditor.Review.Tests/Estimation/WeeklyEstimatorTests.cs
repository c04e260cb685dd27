using Auditor.Review.Estimation;
using Auditor.Review.Routing;

namespace Auditor.Review.Tests.Estimation;

public class WeeklyEstimatorTests
{
    private static readonly StreamKey Chat = new("llama-3", "chat");
    private static readonly StreamKey Code = new("qwen", "code");
    private static readonly DateTimeOffset Monday = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
    private static readonly ReviewFractions Fractions = new(0.02, 0.5);

    [Fact]
    public void Starts_weeks_on_monday_utc()
    {
        Assert.Equal(new DateOnly(2026, 1, 5), WeeklyEstimator.WeekStart(new DateTimeOffset(2026, 1, 11, 23, 0, 0, TimeSpan.Zero)));
        Assert.Equal(new DateOnly(2026, 1, 12), WeeklyEstimator.WeekStart(new DateTimeOffset(2026, 1, 12, 0, 30, 0, TimeSpan.Zero)));
        Assert.Equal(new DateOnly(2026, 1, 5), WeeklyEstimator.WeekStart(new DateTimeOffset(2026, 1, 12, 0, 30, 0, TimeSpan.FromHours(2))));
    }

    [Fact]
    public void Sums_hours_into_volume_and_per_detector_flag_rates()
    {
        var counts = new[]
        {
            Counts(Chat, Monday, 600, 30, ("repetition", 20), ("truncation", 15)),
            Counts(Chat, Monday.AddHours(5), 400, 20, ("repetition", 10)),
        };

        var cell = Assert.Single(Assert.Single(WeeklyEstimator.Estimate(counts, [])).Streams);

        Assert.Equal(new VolumeSummary(1000, 50, 10_000, 500, 0.05), cell.Volume);
        Assert.Equal(["repetition", "truncation"], cell.Detectors.Select(d => d.Detector));
        Assert.Equal(0.03, cell.Detectors[0].FlagRate!.Value, 12);
        Assert.Equal(0.015, cell.Detectors[1].FlagRate!.Value, 12);
    }

    [Fact]
    public void Excludes_unsure_verdicts_from_the_rate_and_reports_them()
    {
        var counts = new[] { Counts(Chat, Monday, 1000, 0) };
        var decided = Items(Chat, Monday, flagged: false, ok: 90, failures: 10);
        var unsure = Items(Chat, Monday, flagged: false, ok: 0, failures: 0, unsure: 5, prefix: "u");

        var without = WeeklyEstimator.EstimateCell(Chat, new DateOnly(2026, 1, 5), counts, decided);
        var with = WeeklyEstimator.EstimateCell(Chat, new DateOnly(2026, 1, 5), counts, [.. decided, .. unsure]);

        Assert.Equal(0.1, with.Estimate.FailureRate.Value!.Value, 12);
        Assert.Equal(without.Estimate.FailureRate, with.Estimate.FailureRate);
        Assert.Equal(100, with.Estimate.Reviewed);
        Assert.Equal(5, with.Coverage.Unsure);
        Assert.Contains(with.Warnings, w => w.Contains("5 unsure verdicts are excluded"));
    }

    [Fact]
    public void Pools_uniform_and_flagged_draw_items_into_one_flagged_stratum()
    {
        var counts = new[] { Counts(Chat, Monday, 10_000, 200, ("repetition", 200)) };
        // Flagged stratum: 4 uniform-draw items (2 failures) and 96 flagged-draw items (48 failures); unflagged: 196 items, 2 failures.
        ReviewItem[] items =
        [
            .. Items(Chat, Monday, flagged: true, ok: 2, failures: 2, stratum: ReviewStratum.Uniform, prefix: "fu"),
            .. Items(Chat, Monday, flagged: true, ok: 48, failures: 48, stratum: ReviewStratum.Flagged, prefix: "ff"),
            .. Items(Chat, Monday, flagged: false, ok: 194, failures: 2, prefix: "u"),
        ];

        var cell = WeeklyEstimator.EstimateCell(Chat, new DateOnly(2026, 1, 5), counts, items);

        Assert.Equal(0.5, cell.Estimate.Precision.Value!.Value, 12);
        Assert.Equal(0.02 * 0.5 + 0.98 * (2.0 / 196), cell.Estimate.FailureRate.Value!.Value, 12);
        Assert.Equal(0.5, cell.Detectors.Single().Precision.Value!.Value, 12);
        Assert.Equal(100, cell.Detectors.Single().Reviewed);
    }

    [Fact]
    public void Weights_each_stream_by_its_own_traffic_in_the_overall_cell()
    {
        // Chat: 1,000 unflagged samples, 100 reviewed, 10 failures. Code: 9,000 samples, 90 reviewed, none failed.
        var counts = new[] { Counts(Chat, Monday, 1000, 0), Counts(Code, Monday, 9000, 0) };
        ReviewItem[] items = [.. Items(Chat, Monday, false, ok: 90, failures: 10), .. Items(Code, Monday, false, ok: 90, failures: 0, prefix: "c")];

        var week = Assert.Single(WeeklyEstimator.Estimate(counts, items));

        Assert.Equal([Chat, Code], week.Streams.Select(s => s.Stream));
        Assert.Null(week.Overall.Stream);
        // (1000 * 0.1 + 9000 * 0) / 10000 = 0.01, where pooling the reviews would say 10 / 190.
        Assert.Equal(0.01, week.Overall.Estimate.FailureRate.Value!.Value, 12);
        Assert.Equal(10.0 / 190, week.Overall.Estimate.Naive.ReviewedRate!.Value, 12);
        Assert.Equal(10_000, week.Overall.Volume.Samples);
    }

    [Fact]
    public void Splits_items_and_counts_into_their_weeks()
    {
        var counts = new[] { Counts(Chat, Monday, 1000, 0), Counts(Chat, Monday.AddDays(7), 1000, 0) };
        ReviewItem[] items = [.. Items(Chat, Monday, false, ok: 50, failures: 0), .. Items(Chat, Monday.AddDays(7), false, ok: 40, failures: 10, prefix: "n")];

        var weeks = WeeklyEstimator.Estimate(counts, items);

        Assert.Equal([new DateOnly(2026, 1, 5), new DateOnly(2026, 1, 12)], weeks.Select(w => w.WeekStart));
        Assert.Equal(0, weeks[0].Overall.Estimate.FailureRate.Value!.Value, 12);
        Assert.Equal(0.2, weeks[1].Overall.Estimate.FailureRate.Value!.Value, 12);
    }

    [Fact]
    public void Warns_when_review_coverage_is_low()
    {
        var counts = new[] { Counts(Chat, Monday, 5000, 0) };
        ReviewItem[] items = [.. Items(Chat, Monday, false, ok: 60, failures: 0), .. Items(Chat, Monday, false, ok: 0, failures: 0, pending: 40, prefix: "p")];

        var cell = WeeklyEstimator.EstimateCell(Chat, new DateOnly(2026, 1, 5), counts, items);

        Assert.True(cell.Coverage.Low);
        Assert.Equal(0.6, cell.Coverage.Unflagged.Coverage!.Value, 12);
        Assert.Equal(40, cell.Coverage.Pending);
        Assert.Contains(cell.Warnings, w => w.Contains("Low review coverage in the unflagged stratum"));
    }

    [Fact]
    public void Does_not_warn_at_full_coverage()
    {
        var counts = new[] { Counts(Chat, Monday, 5000, 0) };

        var cell = WeeklyEstimator.EstimateCell(Chat, new DateOnly(2026, 1, 5), counts, Items(Chat, Monday, false, ok: 100, failures: 0));

        Assert.False(cell.Coverage.Low);
        Assert.Empty(cell.Coverage.Warnings);
    }

    [Fact]
    public void Warns_when_reviewers_skip_flagged_uniform_items()
    {
        var counts = new[] { Counts(Chat, Monday, 10_000, 1000) };
        // Every decided uniform item is unflagged; every flagged uniform item is still pending.
        ReviewItem[] items =
        [
            .. Items(Chat, Monday, false, ok: 180, failures: 0),
            .. Items(Chat, Monday, true, ok: 0, failures: 0, pending: 25, stratum: ReviewStratum.Uniform, prefix: "f"),
        ];

        var cell = WeeklyEstimator.EstimateCell(Chat, new DateOnly(2026, 1, 5), counts, items);

        Assert.Contains(cell.Coverage.Warnings, w => w.Contains("not look like a random subset"));
    }

    [Fact]
    public void Warns_when_inclusion_probabilities_changed_within_the_week()
    {
        var counts = new[] { Counts(Chat, Monday, 10_000, 0) };
        ReviewItem[] items =
        [
            .. Items(Chat, Monday, false, ok: 50, failures: 1),
            .. Items(Chat, Monday, false, ok: 50, failures: 1, prefix: "later").Select(i => i with { InclusionProbability = 0.05 }),
        ];

        var cell = WeeklyEstimator.EstimateCell(Chat, new DateOnly(2026, 1, 5), counts, items);

        Assert.Contains(cell.Warnings, w => w.Contains("different inclusion probabilities"));
    }

    [Fact]
    public void Says_an_under_powered_stream_needs_more_uniform_reviews()
    {
        var counts = new[] { Counts(Chat, Monday, 100_000, 1000, ("repetition", 1000)) };
        ReviewItem[] items = [.. Items(Chat, Monday, true, ok: 10, failures: 10, stratum: ReviewStratum.Flagged), .. Items(Chat, Monday, false, ok: 48, failures: 2, prefix: "u")];

        var cell = WeeklyEstimator.EstimateCell(Chat, new DateOnly(2026, 1, 5), counts, items);

        Assert.True(cell.Estimate.Power.UnderPowered);
        Assert.True(cell.Estimate.Power.ReachableThisWeek);
        Assert.InRange(cell.Estimate.Power.AdditionalUniformReviews, 500, 5000);
        Assert.Contains(cell.Warnings, w => w.StartsWith("Under-powered", StringComparison.Ordinal));
    }

    [Fact]
    public void Rejects_counters_with_more_flagged_than_total_samples()
    {
        Assert.Throws<ArgumentException>(() => WeeklyEstimator.Estimate([Counts(Chat, Monday, 10, 11)], []));
    }

    private static StreamHourCounts Counts(StreamKey stream, DateTimeOffset hour, long total, long flagged, params (string Detector, long Flags)[] detectors) =>
        new(stream, hour, total, flagged, total * 10.0, flagged * 10.0, detectors.ToDictionary(d => d.Detector, d => d.Flags));

    private static ReviewItem[] Items(StreamKey stream, DateTimeOffset hour, bool flagged, int ok, int failures, int unsure = 0, int pending = 0,
        ReviewStratum stratum = ReviewStratum.Uniform, string prefix = "s")
    {
        string[] by = flagged ? ["repetition"] : [];
        var pi = Fractions.InclusionProbability(flagged);
        ReviewVerdict?[] verdicts =
        [
            .. Enumerable.Repeat<ReviewVerdict?>(ReviewVerdict.Ok, ok),
            .. Enumerable.Repeat<ReviewVerdict?>(ReviewVerdict.Failure, failures),
            .. Enumerable.Repeat<ReviewVerdict?>(ReviewVerdict.Unsure, unsure),
            .. Enumerable.Repeat<ReviewVerdict?>(null, pending),
        ];
        return verdicts.Select((v, i) => new ReviewItem($"{stream}-{prefix}{i}", stream, hour, stratum, pi, flagged, by, v)).ToArray();
    }
}
