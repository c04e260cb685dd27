using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Auditor.Detection;
using Auditor.Review.Routing;
using Auditor.Storage.Review;
using Auditor.Storage.Samples;
using Auditor.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Auditor.Server.Tests;

/// <summary>Verdicts feed thresholds: calibration proposes, an admin approves, consumers use it.</summary>
public sealed class CalibrationTests : IAsyncLifetime
{
    private readonly AuditorApp _app = new(new() { ["Auditor:Calibration:MinLabels"] = "40" });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>Reviewed items whose truncation score is the share of the token budget used; failures use 90% or more.</summary>
    private async Task SeedReviewedAsync(int n)
    {
        var detectors = _app.Services.GetRequiredService<DetectorRegistry>();
        var random = new Random(11);
        var samples = Enumerable.Range(0, n).Select(i => TestSamples.Valid() with { FinishReason = "stop", CompletionTokens = random.Next(0, 101), MaxTokens = 100 }).ToList();
        await _app.Services.GetRequiredService<SampleBatchWriter>().CommitAsync(
            samples.Select(s => new AuditedSample(s, detectors.Inspect(s), new RoutingDecision(ReviewStratum.Uniform, 1.0))).ToList(), [], default);
        var queue = _app.Services.GetRequiredService<ReviewQueue>();
        while (await queue.ClaimAsync("ana", TimeSpan.FromMinutes(5), null, null, default) is { } item)
        {
            var used = samples.Single(s => s.SampleId == item.SampleId).CompletionTokens;
            var failure = used >= 90;
            await queue.SaveVerdictAsync(item.ItemId, "ana", failure ? Verdicts.Failure : Verdicts.Ok, failure ? "truncation" : null, null, true, default);
        }
    }

    [Fact]
    public async Task Calibration_proposes_a_threshold_from_verdicts_and_an_approved_one_is_used_by_the_consumer()
    {
        await SeedReviewedAsync(300);
        var admin = _app.CreateIngestClient();

        var run = await admin.PostAsync("/api/v1/thresholds/calibrate", null);
        var reports = await run.Content.ReadFromJsonAsync<JsonElement>();
        var truncation = reports.EnumerateArray().Single(r => r.GetProperty("detector").GetString() == "truncation");

        Assert.Equal("proposed", truncation.GetProperty("action").GetString());
        var proposed = truncation.GetProperty("outcome").GetProperty("proposedThreshold").GetDouble();
        Assert.InRange(proposed, 0.88, 0.91);
        var versionId = truncation.GetProperty("versionId").GetInt64();
        var settings = _app.Services.GetRequiredService<CalibratedDetectorSettings>();
        Assert.Empty(settings.Overrides);

        var approve = await admin.PostAsync($"/api/v1/thresholds/{versionId}/approve", null);

        Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        var key = ("truncation", TestSamples.Valid().Model!, TestSamples.Valid().Route!);
        Assert.Equal(proposed, settings.Overrides[key]);
        var sample = TestSamples.Valid(output: "") with { CompletionTokens = 95, MaxTokens = 100 };
        await admin.PostAsJsonAsync("/api/v1/samples", sample, Auditor.Contracts.OutputSampleJson.Options);
        var stored = await Eventually.Get(async () =>
        {
            var r = await admin.GetAsync($"/api/v1/samples/{sample.SampleId}");
            return r.IsSuccessStatusCode ? await r.Content.ReadFromJsonAsync<JsonElement>() : default;
        }, e => e.ValueKind == JsonValueKind.Object, what: "the new sample");
        var result = stored.GetProperty("detectorResults").EnumerateArray().Single(r => r.GetProperty("detector").GetString() == "truncation");
        Assert.Equal(proposed, result.GetProperty("threshold").GetDouble());
        Assert.True(result.GetProperty("flagged").GetBoolean(), "95% of the budget is past the learned threshold");

        var thresholds = await admin.GetFromJsonAsync<JsonElement>("/api/v1/thresholds");
        Assert.Equal(proposed, thresholds.GetProperty("active")[0].GetProperty("threshold").GetDouble());
        Assert.Equal(1.0, thresholds.GetProperty("defaults").GetProperty("truncation").GetDouble());
    }

    [Fact]
    public async Task Calibration_with_too_few_labels_changes_nothing_and_says_why()
    {
        await SeedReviewedAsync(20);

        var reports = await (await _app.CreateIngestClient().PostAsync("/api/v1/thresholds/calibrate", null)).Content.ReadFromJsonAsync<JsonElement>();

        var truncation = reports.EnumerateArray().Single(r => r.GetProperty("detector").GetString() == "truncation");
        Assert.Equal("unchanged", truncation.GetProperty("action").GetString());
        Assert.Contains("Too few labels", truncation.GetProperty("outcome").GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Empty(_app.Services.GetRequiredService<CalibratedDetectorSettings>().Overrides);
    }

    [Fact]
    public async Task Only_an_admin_may_change_thresholds()
    {
        await _app.Services.GetRequiredService<Auditor.Storage.Accounts.UserStore>().AddAsync("rita",
            Accounts.PasswordCheck.Hash("rita", "reviewer-password"), "reviewer", default);
        var reviewer = _app.CreateClient();
        reviewer.DefaultRequestHeaders.Authorization = AuditorApp.Basic("rita", "reviewer-password");

        var response = await reviewer.PostAsJsonAsync("/api/v1/thresholds", new { detector = "empty", model = "m", route = "r", threshold = 2 });
        var read = await reviewer.GetAsync("/api/v1/thresholds");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }
}

/// <summary>Reviewer quality: items reviewed twice, blind, give Cohen's kappa per pair over the API.</summary>
public sealed class ReviewerAgreementTests : IAsyncLifetime
{
    private readonly AuditorApp _app = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Reports_kappa_per_reviewer_pair_from_double_reviewed_items()
    {
        var detectors = _app.Services.GetRequiredService<DetectorRegistry>();
        var samples = Enumerable.Range(0, 10).Select(_ => TestSamples.Valid()).ToList();
        await _app.Services.GetRequiredService<SampleBatchWriter>().CommitAsync(
            samples.Select(s => new AuditedSample(s, detectors.Inspect(s), new RoutingDecision(ReviewStratum.Uniform, 0.02, ReviewsRequired: 2))).ToList(), [], default);
        var queue = _app.Services.GetRequiredService<ReviewQueue>();
        // ana says failure on items 0-3, ben on 0-1 and 4-5: they agree on 6 of 10.
        string[] ana = ["failure", "failure", "failure", "failure", "ok", "ok", "ok", "ok", "ok", "ok"];
        string[] ben = ["failure", "failure", "ok", "ok", "failure", "failure", "ok", "ok", "ok", "ok"];
        foreach (var (reviewer, verdicts) in new[] { ("ana", ana), ("ben", ben) })
            while (await queue.ClaimAsync(reviewer, TimeSpan.FromMinutes(5), null, null, default) is { } item)
            {
                var v = verdicts[samples.FindIndex(s => s.SampleId == item.SampleId)];
                await queue.SaveVerdictAsync(item.ItemId, reviewer, v, v == "failure" ? "other" : null, null, true, default);
            }

        var agreement = await _app.CreateIngestClient().GetFromJsonAsync<JsonElement>("/api/v1/review/agreement");

        var pair = Assert.Single(agreement.GetProperty("pairs").EnumerateArray().ToList());
        Assert.Equal(("ana", "ben", 10), (pair.GetProperty("reviewerA").GetString(), pair.GetProperty("reviewerB").GetString(), pair.GetProperty("items").GetInt32()));
        // p_o = 6/10; p_e = 0.4*0.4 + 0.6*0.6 = 0.52; kappa = (0.6 - 0.52) / 0.48 = 1/6.
        Assert.Equal(0.6, pair.GetProperty("observedAgreement").GetDouble(), 9);
        Assert.Equal(1.0 / 6, pair.GetProperty("kappa").GetDouble(), 9);
    }
}
