using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
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
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Auditor.Server.Tests;

/// <summary>
/// A stream served by two deployments, one of which starts looping at a known minute: the incident scan (per deployment)
/// opens one incident naming that deployment, with its onset within 5 minutes of the truth, and its evidence is that
/// deployment's flagged samples. Through the scanner on both stores with a moved clock, and through the real host's API
/// and page with the real clock.
/// </summary>
public sealed class DeploymentIncidentTests(ITestOutputHelper output)
{
    private const string Healthy = "h100-fp8", Looping = "h100-fp8-v2";
    // 4 samples a minute per deployment, 30% of the looping one's looping: 1.2 flags a minute after the onset against
    // 0.08 before. At 60 an hour (0.3 flags a minute after) the minute is less sure: seed 1651 put it 24 minutes early.
    private const int PerHour = 240;
    private const double BaselineFlagRate = 0.02, LoopingShare = 0.30;

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task A_loop_on_one_of_two_deployments_opens_an_incident_naming_it_with_its_onset_to_the_minute_and_its_flagged_samples(StoreKind kind)
    {
        var loopStarts = new DateTimeOffset(2026, 11, 19, 10, 23, 0, TimeSpan.Zero);
        await using var db = await TestDatabase.CreateAsync(kind);
        await db.Database.MigrateAsync(default);
        var clock = new ManualClock(loopStarts.AddHours(-72));
        var writer = new SampleBatchWriter(db.Database, clock);
        var store = new IncidentStore(db.Database, clock);
        var scanner = new IncidentScanner(new IncidentSignalReader(db.Database), store, new IncidentRecorder(db.Database, clock, AlertSettings.None), clock);
        var options = new IncidentScanOptions(CusumOptions.Default with { BaselineHours = 72, ScanHours = 24 });
        var random = new Random(1651);
        var written = new List<AuditedSample>();

        written.AddRange(await CommitAsync(writer, Samples(loopStarts.AddHours(-72), loopStarts.AddHours(-2), loopStarts, random)));
        Incident? opened = null;
        for (var t = loopStarts.AddHours(-2); t < loopStarts.AddHours(6) && opened is null; t = t.AddMinutes(15))
        {
            written.AddRange(await CommitAsync(writer, Samples(t, t.AddMinutes(15), loopStarts, random)));
            clock.Now = t.AddMinutes(15);
            var result = await scanner.ScanAsync(options, default);
            Assert.True(result.Opened.Count <= 1, $"{result.Opened.Count} incidents opened in one scan");
            opened = result.Opened.SingleOrDefault();
        }

        Assert.NotNull(opened);
        Assert.Equal(IncidentSources.FlagRate, opened.Source);
        Assert.Equal(Looping, opened.Deployment);
        Assert.Contains($"on deployment {Looping} rose", opened.Summary, StringComparison.Ordinal);
        var onsetError = opened.OnsetAt - loopStarts;
        output.WriteLine($"{kind}: onset {opened.OnsetAt:u} (truth {loopStarts:u}, error {onsetError.TotalMinutes:0.0} min), time to detection {opened.TimeToDetectionMinutes} min");
        Assert.InRange(onsetError.TotalMinutes, -5, 5);
        // The healthy deployment stays quiet in later scans; the looping one is not opened twice.
        clock.Now = clock.Now.AddMinutes(15);
        Assert.Empty((await scanner.ScanAsync(options, default)).Opened);

        var evidence = await new IncidentEvidenceReader(db.Database, clock).ReadAsync(opened, null, default);
        var expected = written.Where(a => a.Sample.Deployment == Looping && a.Inspection.Flagged
            && a.Sample.OccurredAt >= evidence.From && a.Sample.OccurredAt <= evidence.To).Select(a => a.Sample.SampleId!).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Count, evidence.FlaggedTotal);
        Assert.Equal(expected, evidence.Flagged.Select(s => s.SampleId).Order(StringComparer.Ordinal));
        Assert.All(evidence.Items, i => Assert.Equal(Looping, written.Single(a => a.Sample.SampleId == i.SampleId).Sample.Deployment));

        // The report names the incident's deployment and splits the stream by deployment.
        var built = await new WeeklyReportLoader(new ReportDataReader(db.Database), store, clock).BuildAsync(IsoWeek.Parse("2026-W47"), ReportLinks.Default, default);
        Assert.Equal(Looping, Assert.Single(built.Report.Incidents).Deployment);
        var stream = Assert.Single(built.Report.Streams);
        Assert.Equal([Healthy, Looping], stream.Deployments.Select(d => d.Deployment));
        Assert.Contains($" on {Looping} |", MarkdownReportRenderer.Render(built.Report), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_and_the_page_name_the_deployment_and_link_the_incidents_flagged_samples_and_review_items()
    {
        await using var app = new AuditorApp();
        var client = app.CreateIngestClient();
        var now = DateTimeOffset.UtcNow;
        var loopStarts = now.AddMinutes(-100);
        var written = await CommitAsync(app.Services.GetRequiredService<SampleBatchWriter>(), Samples(now.AddHours(-60), now.AddMinutes(-1), loopStarts, new Random(1652)));

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/v1/incidents/scan", null)).StatusCode);

        var listed = Assert.Single((await client.GetFromJsonAsync<JsonElement>("/api/v1/incidents")).EnumerateArray().ToArray());
        Assert.Equal(Looping, listed.GetProperty("deployment").GetString());
        var id = listed.GetProperty("incidentId").GetInt64();
        var details = await client.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{id}");
        Assert.Equal(Looping, details.GetProperty("deployment").GetString());
        var onset = details.GetProperty("onsetAt").GetDateTimeOffset();
        Assert.InRange((onset - loopStarts).TotalMinutes, -5, 5);
        var detected = details.GetProperty("detectedAt").GetDateTimeOffset();
        Assert.Equal((long)Math.Round((detected - onset).TotalMinutes, MidpointRounding.AwayFromZero), details.GetProperty("timeToDetectionMinutes").GetInt64());

        var evidence = details.GetProperty("evidence");
        var flagged = evidence.GetProperty("flaggedSamples").EnumerateArray().ToArray();
        Assert.NotEmpty(flagged);
        Assert.Equal(flagged.Length, evidence.GetProperty("flaggedTotal").GetInt32());
        var byId = written.ToDictionary(a => a.Sample.SampleId!);
        Assert.All(flagged, f =>
        {
            var sample = byId[f.GetProperty("sampleId").GetString()!];
            Assert.Equal(Looping, sample.Sample.Deployment);
            Assert.True(sample.Inspection.Flagged);
            Assert.Equal($"/samples/{sample.Sample.SampleId}", f.GetProperty("link").GetString());
        });
        var items = evidence.GetProperty("reviewItems").EnumerateArray().ToArray();
        Assert.NotEmpty(items);
        Assert.All(items, i => Assert.Equal($"/review/{i.GetProperty("itemId").GetInt64()}", i.GetProperty("link").GetString()));
        var search = evidence.GetProperty("samplesSearch").GetString()!;
        Assert.StartsWith($"/samples?stream=llama-3.1-8b-instruct%2Fchat%252Fanswer&deployment={Looping}&from=", search, StringComparison.Ordinal);
        // The link must filter on the samples page itself: the looping deployment's samples are listed, the other's are not.
        var searchPage = await client.GetStringAsync(search);
        Assert.Contains(flagged, f => searchPage.Contains($"href=\"{f.GetProperty("link").GetString()}\"", StringComparison.Ordinal));
        Assert.DoesNotContain(written.Where(a => a.Sample.Deployment != Looping),
            a => searchPage.Contains($"href=\"{Auditor.Server.Samples.SampleIdInPath.PageLink(a.Sample.SampleId!)}\"", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/incidents/999999")).StatusCode);

        var page = await client.GetStringAsync($"/incidents?incident={id}");
        Assert.Contains($"<td>{Looping}</td>", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"evidence\"", page, StringComparison.Ordinal);
        Assert.Contains($"href=\"/samples/{flagged[0].GetProperty("sampleId").GetString()}\"", page, StringComparison.Ordinal);
        Assert.Contains($"href=\"/review/{items[0].GetProperty("itemId").GetInt64()}\"", page, StringComparison.Ordinal);
        Assert.Contains($"{(onset.UtcDateTime):yyyy-MM-dd HH:mm}Z", page, StringComparison.Ordinal);
        Assert.Contains($"<span data-testid=\"ttd\">{Auditor.Server.Pages.IncidentsModel.Duration(details.GetProperty("timeToDetectionMinutes").GetInt64())}</span>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reviewer_is_not_shown_a_flagged_sample_they_may_still_judge_blind()
    {
        await using var app = new AuditorApp();
        var now = DateTimeOffset.UtcNow;
        var written = await CommitAsync(app.Services.GetRequiredService<SampleBatchWriter>(), Samples(now.AddHours(-60), now.AddMinutes(-1), now.AddMinutes(-100), new Random(1653), uniform: 0.3));
        var admin = app.CreateIngestClient();
        await admin.PostAsync("/api/v1/incidents/scan", null);
        var id = Assert.Single((await admin.GetFromJsonAsync<JsonElement>("/api/v1/incidents")).EnumerateArray().ToArray()).GetProperty("incidentId").GetInt64();
        await app.AddUserAsync("rita");

        var asAdmin = (await admin.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{id}")).GetProperty("evidence");
        var asReviewer = (await app.BasicClient("rita", ServerTestAccounts.ReviewerPassword).GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{id}")).GetProperty("evidence");

        // Flagged samples whose review item came from the uniform draw are blind to a reviewer who has not judged them.
        var uniform = written.Where(a => a.Routing.Stratum == ReviewStratum.Uniform && a.Inspection.Flagged).Select(a => a.Sample.SampleId).ToHashSet();
        var adminIds = asAdmin.GetProperty("flaggedSamples").EnumerateArray().Select(f => f.GetProperty("sampleId").GetString()).ToList();
        var reviewerIds = asReviewer.GetProperty("flaggedSamples").EnumerateArray().Select(f => f.GetProperty("sampleId").GetString()).ToList();
        var blind = adminIds.Count(uniform.Contains);
        Assert.True(blind > 0, "the scenario holds no flagged uniform item in the incident's window");
        Assert.Equal(adminIds.Where(i => !uniform.Contains(i)), reviewerIds);
        Assert.Equal(blind, asReviewer.GetProperty("blindWithheld").GetInt32());
        Assert.Equal(0, asAdmin.GetProperty("blindWithheld").GetInt32());
    }

    private static async Task<List<AuditedSample>> CommitAsync(SampleBatchWriter writer, List<AuditedSample> samples)
    {
        foreach (var chunk in samples.Chunk(2_000))
            await writer.CommitAsync(chunk, [], default);
        return samples;
    }

    /// <summary>
    /// PerHour samples per hour and deployment in [from, to). Before loopStarts a few are empty (flagged); from it, a share
    /// of the looping deployment's outputs loop.
    /// </summary>
    private static List<AuditedSample> Samples(DateTimeOffset from, DateTimeOffset to, DateTimeOffset loopStarts, Random random, double uniform = 0.02)
    {
        var list = new List<AuditedSample>();
        var count = (int)Math.Round((to - from).TotalHours * PerHour);
        foreach (var deployment in new[] { Healthy, Looping })
            for (var i = 0; i < count; i++)
            {
                var at = from + (to - from) * (i + 0.5) / count;
                var looping = deployment == Looping && at >= loopStarts && random.NextDouble() < LoopingShare;
                var empty = !looping && random.NextDouble() < BaselineFlagRate;
                var sample = TestSamples.Valid() with
                {
                    OccurredAt = at,
                    Deployment = deployment,
                    Output = looping ? string.Concat(Enumerable.Repeat("I will check. ", 40)) : empty ? "" : "The capital of France is Paris.",
                };
                var results = new List<DetectorResult>
                {
                    new("empty", empty ? 1 : 0, 0.5, empty, [], empty ? "Empty output." : "Not empty."),
                    new("degeneration", looping ? 0.95 : 0.1, 0.5, looping, [], looping ? "Trailing loop of period 14." : "No loop."),
                };
                var inspection = new Inspection(FeatureExtractor.Extract(sample), results);
                list.Add(new AuditedSample(sample, inspection, ReviewRouter.Route(sample.SampleId!, inspection.Flagged, new ReviewFractions(uniform, 0.2, 0))));
            }
        return list;
    }
}
