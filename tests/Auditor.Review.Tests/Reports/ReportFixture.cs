using Auditor.Review.Estimation;
using Auditor.Review.Incidents;
using Auditor.Review.Reports;
using Auditor.Review.Routing;

namespace Auditor.Review.Tests.Reports;

/// <summary>Eight weeks of one stream (with a hostile name) and a week with hostile example outputs.</summary>
internal static class ReportFixture
{
    public const string Script = "<script>alert(1)</script>";
    public const string OnError = "<img src=x onerror=alert(2)>";
    public static readonly IsoWeek Week = IsoWeek.Parse("2026-W47");
    public static readonly StreamKey Stream = new("llama<svg onload=alert(3)>", "chat/answer");
    public static readonly StreamKey Quiet = new("qwen", "support");

    public static WeeklyReportInput Input()
    {
        var counts = new List<StreamHourCounts>();
        var items = new List<ReviewItem>();
        var random = new Random(3);
        for (var w = 0; w < 8; w++)
        {
            var week = Week.Minus(7 - w);
            for (var h = 0; h < 168; h += 6)
            {
                var hour = week.StartUtc.AddHours(h);
                counts.Add(new StreamHourCounts(Stream, hour, 100, 4, 200, 8, new Dictionary<string, long> { ["empty"] = 3, ["truncation"] = 1 }));
                counts.Add(new StreamHourCounts(Quiet, hour, 10, 0, 10, 0, new Dictionary<string, long>()));
                items.Add(new ReviewItem($"q{w}-{h}", Quiet, hour, ReviewStratum.Uniform, 0.1, false, [], ReviewVerdict.Ok));
                // Two uniform items and all four flagged ones, judged.
                for (var i = 0; i < 2; i++)
                    items.Add(new ReviewItem($"u{w}-{h}-{i}", Stream, hour, ReviewStratum.Uniform, 0.02, false, [],
                        random.NextDouble() < 0.03 ? ReviewVerdict.Failure : ReviewVerdict.Ok));
                for (var i = 0; i < 4; i++)
                    items.Add(new ReviewItem($"f{w}-{h}-{i}", Stream, hour, ReviewStratum.Flagged, 1.0, true, [i == 0 ? "truncation" : "empty"],
                        random.NextDouble() < 0.7 ? ReviewVerdict.Failure : ReviewVerdict.Ok, "degeneration"));
            }
        }
        var examples = new List<ReportExampleSource>
        {
            new("f7-0-1", 101, Stream, "failure", "degeneration", ["empty"], $"Sure! {Script} and then {OnError} loop loop loop"),
            new("f7-0-2", 102, Stream, "failure", "template leak", ["empty"], "<|im_end|><|im_start|>assistant \"quoted\" & 'single'"),
        };
        var incident = new Incident(7, Stream, IncidentSources.FlagRate, "", IncidentStatuses.Open, Week.StartUtc.AddHours(30), Week.StartUtc.AddHours(32.5),
            "flag-rate CUSUM", $"Rise after a deploy {Script}", null, null, null, null, null);
        return new WeeklyReportInput(Week, Week.EndUtc.AddHours(6), counts, items, examples, [incident],
            [new ReviewerVerdict("u7-0-0", "ana", ReviewVerdict.Ok), new ReviewerVerdict("u7-0-0", "ben", ReviewVerdict.Ok)]);
    }

    public static WeeklyReport Report() => WeeklyReportBuilder.Build(Input(), options: new EstimationOptions(Draws: 2000));
}
