using System.Text.Json;
using Auditor.Detection;
using Auditor.Review.Estimation;
using Auditor.Review.Routing;
using Auditor.Storage;
using Auditor.Storage.Review;
using Auditor.Storage.Samples;
using Auditor.Testing;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Tests;

/// <summary>
/// GET /api/v1/review/agreement reads the weekly agreement tallies (migration 0017) instead of every standing verdict of
/// the double-reviewed items: its body, as served over HTTP, is byte for byte the one the verdicts read one by one give
/// (the read it replaced, kept here as the reference), on SQLite and PostgreSQL, with three reviewers, items reviewed
/// twice and three times, unsure verdicts, an undone and re-given verdict, and items reviewed once (counted nowhere).
/// </summary>
public sealed class ReviewAgreementReadTests
{
    [Fact]
    public async Task The_agreement_from_tallies_is_the_agreement_from_every_verdict_on_sqlite()
    {
        await using var app = new AuditorApp();
        await AssertSameAsFromVerdictsAsync(app);
    }

    [Fact]
    public async Task The_agreement_from_tallies_is_the_agreement_from_every_verdict_on_postgres()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var app = new AuditorApp(new() { ["Auditor:Store"] = "Postgres", ["ConnectionStrings:Postgres"] = database.ConnectionString });
        await AssertSameAsFromVerdictsAsync(app);
    }

    private static async Task AssertSameAsFromVerdictsAsync(AuditorApp app)
    {
        await SeedAsync(app);

        using var response = await app.CreateIngestClient().GetAsync("/api/v1/review/agreement");
        response.EnsureSuccessStatusCode();
        var served = await response.Content.ReadAsStringAsync();

        var fromVerdicts = ReviewerAgreementEstimator.Estimate(await VerdictsOneByOneAsync(app.Database));
        var json = app.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var expected = JsonSerializer.Serialize(fromVerdicts, json);
        Assert.Equal(expected, served);
        // Not a comparison of two empty answers: three reviewer pairs, and the items reviewed once counted nowhere.
        Assert.Equal(3, fromVerdicts.Pairs.Count);
        Assert.True(fromVerdicts.Items > 40, $"{fromVerdicts.Items} rated pairs");
    }

    /// <summary>
    /// 24 items needing two reviews, 8 needing three and 6 needing one; ann, ben and cyd claim in an order that gives every
    /// pair of them shared items; one verdict of ann's is undone and given again with another verdict.
    /// </summary>
    private static async Task SeedAsync(AuditorApp app)
    {
        var detectors = app.Services.GetRequiredService<DetectorRegistry>();
        var samples = Enumerable.Range(0, 38).Select(_ => TestSamples.Valid()).ToList();
        await app.Services.GetRequiredService<SampleBatchWriter>().CommitAsync(samples.Select((s, i) => new AuditedSample(s, detectors.Inspect(s),
            new RoutingDecision(ReviewStratum.Uniform, 0.02, ReviewsRequired: i < 24 ? 2 : i < 32 ? 3 : 1))).ToList(), [], default);
        var queue = app.Services.GetRequiredService<ReviewQueue>();
        string[] words = ["ok", "failure", "unsure", "ok", "failure", "ok", "ok"];
        async Task ReviewAsync(string reviewer, int salt, int most)
        {
            for (var n = 0; n < most && await queue.ClaimAsync(reviewer, TimeSpan.FromMinutes(5), null, null, default) is { } item; n++)
            {
                var verdict = words[(samples.FindIndex(s => s.SampleId == item.SampleId) * 3 + salt) % words.Length];
                Assert.Equal(SaveVerdictResult.Saved, await queue.SaveVerdictAsync(item.ItemId, reviewer, verdict, verdict == "failure" ? "other" : null, null, true, default));
            }
        }
        await ReviewAsync("ben", salt: 1, most: 12);
        await ReviewAsync("cyd", salt: 2, most: 12);
        await ReviewAsync("ann", salt: 0, most: int.MaxValue);
        var undone = await queue.UndoLastVerdictAsync("ann", TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5), default);
        Assert.NotNull(undone);
        await ReviewAsync("ann", salt: 4, most: 1);
        await ReviewAsync("ben", salt: 1, most: int.MaxValue);
        await ReviewAsync("cyd", salt: 2, most: int.MaxValue);
    }

    /// <summary>The read the endpoint made before: every standing verdict of items more than one reviewer judged, in the order given.</summary>
    private static async Task<IEnumerable<ReviewerVerdict>> VerdictsOneByOneAsync(AuditorDatabase database)
    {
        await using var c = await database.OpenAsync(default);
        var rows = await c.QueryAsync<(string SampleId, string Reviewer, string Verdict)>("""
            SELECT v.sample_id, v.reviewer, v.verdict FROM verdicts v
            WHERE v.retracted_at IS NULL AND v.item_id IN (
                SELECT item_id FROM verdicts WHERE retracted_at IS NULL GROUP BY item_id HAVING COUNT(DISTINCT reviewer) > 1)
            ORDER BY v.created_at
            """);
        return rows.Select(v => new ReviewerVerdict(v.SampleId, v.Reviewer, v.Verdict switch
        {
            "ok" => ReviewVerdict.Ok,
            "failure" => ReviewVerdict.Failure,
            _ => ReviewVerdict.Unsure,
        })).ToList();
    }
}
