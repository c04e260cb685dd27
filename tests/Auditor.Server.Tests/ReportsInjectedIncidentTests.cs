using System.Diagnostics;
using Auditor.Detection;
using Auditor.Detection.Features;
using Auditor.Review.Incidents;
using Auditor.Review.Reports;
using Auditor.Review.Routing;
using Auditor.Storage;
using Auditor.Storage.Incidents;
using Auditor.Storage.Reports;
using Auditor.Storage.Samples;
using Auditor.Testing;
using Xunit.Abstractions;

namespace Auditor.Server.Tests;

/// <summary>A clock the test moves.</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>
/// A stream starts looping at a known hour: samples go through SampleBatchWriter as they occur, the incident scan runs
/// every 15 minutes as the job would, and the first scan that alarms opens the incident. Its onset must be within 5
/// minutes of the truth, and the weekly report must list it with its time to detection.
/// </summary>
public sealed class ReportsInjectedIncidentTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset LoopStarts = new(2026, 11, 19, 10, 23, 0, TimeSpan.Zero); // Thursday of 2026-W47, mid-hour
    private const int PerHour = 60;
    private const double BaselineFlagRate = 0.02, LoopingShare = 0.30;

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task An_injected_loop_opens_an_incident_with_its_onset_to_the_minute_and_the_report_shows_its_time_to_detection(StoreKind kind)
    {
        await using var db = await TestDatabase.CreateAsync(kind);
        await db.Database.MigrateAsync(default);
        var clock = new ManualClock(LoopStarts.AddHours(-72));
        var writer = new SampleBatchWriter(db.Database, clock);
        var store = new IncidentStore(db.Database, clock);
        var scanner = new IncidentScanner(new IncidentSignalReader(db.Database), store, new IncidentRecorder(db.Database, clock, new AlertSettings(true, null)), clock);
        var options = new IncidentScanOptions(CusumOptions.Default with { BaselineHours = 72, ScanHours = 24 });
        var random = new Random(47);

        // 72 hours of baseline, committed in one go (what the consumer would have written).
        await writer.CommitAsync(Samples(LoopStarts.AddHours(-72), LoopStarts.AddHours(-2), random), [], default);
        Incident? opened = null;
        // Then the stream in 15-minute steps: commit what occurred, then scan as the job would.
        for (var t = LoopStarts.AddHours(-2); t < LoopStarts.AddHours(6) && opened is null; t = t.AddMinutes(15))
        {
            await writer.CommitAsync(Samples(t, t.AddMinutes(15), random), [], default);
            clock.Now = t.AddMinutes(15);
            var result = await scanner.ScanAsync(options, default);
            opened = result.Opened.SingleOrDefault();
        }

        Assert.NotNull(opened);
        Assert.Equal(IncidentSources.FlagRate, opened.Source);
        // To the minute: the CUSUM finds the hour, the flagged samples' times the minute.
        var onsetError = opened.OnsetAt - LoopStarts;
        Assert.InRange(onsetError.TotalMinutes, -5, 5);
        output.WriteLine($"{kind}: onset {opened.OnsetAt:u} (truth {LoopStarts:u}, error {onsetError.TotalMinutes:0} min), detected {opened.DetectedAt:u}, time to detection {opened.TimeToDetection.TotalMinutes:0} min");

        // A second scan does not open it again.
        clock.Now = clock.Now.AddMinutes(15);
        Assert.Empty((await scanner.ScanAsync(options, default)).Opened);

        var watch = Stopwatch.StartNew();
        var loader = new WeeklyReportLoader(new ReportDataReader(db.Database), store, clock);
        var built = await loader.BuildAsync(IsoWeek.Parse("2026-W47"), ReportLinks.Default, default);
        output.WriteLine($"{kind}: report built in {watch.ElapsedMilliseconds} ms ({built.Report.Summary.Samples} samples, {built.Report.Streams.Count} streams)");
        var line = Assert.Single(built.Report.Incidents);
        Assert.Equal(opened.IncidentId, line.IncidentId);
        Assert.Equal(Math.Round(opened.TimeToDetection.TotalMinutes, 1), line.TimeToDetectionMinutes);
        var html = HtmlReportRenderer.RenderDocument(built.Report);
        Assert.Contains($"data-ttd-minutes=\"{line.TimeToDetectionMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture)}\"", html, StringComparison.Ordinal);
        Assert.Contains("1 incidents opened this week, 1 open now", built.Report.Summary.Headline[2], StringComparison.Ordinal);

        // The incident's alerts are in the outbox: the bus event and the webhook POST.
        var deliveries = await new AlertOutbox(db.Database, clock).ListAsync(10, default);
        Assert.Equal([AlertChannels.Bus, AlertChannels.Webhook], deliveries.Where(d => d.IncidentId == opened.IncidentId).Select(d => d.Channel).Order());
    }

    /// <summary>PerHour samples per hour in [from, to); before LoopStarts a few are empty (flagged), after it a share loops.</summary>
    private static List<AuditedSample> Samples(DateTimeOffset from, DateTimeOffset to, Random random)
    {
        var list = new List<AuditedSample>();
        var count = (int)Math.Round((to - from).TotalHours * PerHour);
        for (var i = 0; i < count; i++)
        {
            var at = from + (to - from) * (i + 0.5) / count;
            var looping = at >= LoopStarts && random.NextDouble() < LoopingShare;
            var empty = !looping && random.NextDouble() < BaselineFlagRate;
            var sample = TestSamples.Valid() with
            {
                OccurredAt = at,
                Output = looping ? string.Concat(Enumerable.Repeat("I will check. ", 40)) : empty ? "" : "The capital of France is Paris.",
            };
            var results = new List<DetectorResult>
            {
                new("empty", empty ? 1 : 0, 0.5, empty, [], empty ? "Empty output." : "Not empty."),
                // No repetition detector exists on this branch yet: the loop is flagged as the degeneration detector would.
                new("degeneration", looping ? 0.95 : 0.1, 0.5, looping, [], looping ? "Trailing loop of period 14." : "No loop."),
            };
            var inspection = new Inspection(FeatureExtractor.Extract(sample), results);
            list.Add(new AuditedSample(sample, inspection, ReviewRouter.Route(sample.SampleId!, inspection.Flagged, new ReviewFractions(0.02, 0.2, 0))));
        }
        return list;
    }
}
