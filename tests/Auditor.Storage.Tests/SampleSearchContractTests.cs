using Auditor.Contracts;
using Auditor.Detection;
using Auditor.Review.Routing;
using Auditor.Storage.Samples;
using Auditor.Testing;
using Dapper;

namespace Auditor.Storage.Tests;

/// <summary>The samples search on both databases: text through the full-text index, paging with a total, filters.</summary>
public abstract class SampleSearchContractTests : MigratedDatabaseTest
{
    private static readonly DetectorRegistry Detectors = DetectorRegistry.FromRules(Detection.Rules.RuleSet.Defaults);
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static SampleQuery Query(string? text = null, int limit = 10, int offset = 0, string? deployment = null, string? stratum = null) =>
        new(null, null, null, null, DateTimeOffset.UnixEpoch, Now.AddHours(1), limit, Deployment: deployment, Stratum: stratum,
            Text: text is null ? null : SampleTextQuery.Parse(text, out _), Offset: offset);

    private async Task StoreAsync(IEnumerable<(OutputSample Sample, ReviewStratum Stratum)> samples) =>
        await new SampleBatchWriter(Database, TimeProvider.System).CommitAsync(
            samples.Select(s => new AuditedSample(s.Sample, Detectors.Inspect(s.Sample), new RoutingDecision(s.Stratum, 0.02))).ToList(), [], default);

    private static OutputSample Sample(int minutesAgo, string output, string deployment = "h100-fp8") =>
        TestSamples.Valid(output: output) with { OccurredAt = Now.AddMinutes(-minutesAgo), Deployment = deployment };

    [Fact]
    public async Task Finds_a_phrase_in_stored_outputs_and_not_its_words_apart()
    {
        var phrase = Sample(1, "Here is the answer: the migration window closes at noon on Friday.");
        var apart = Sample(2, "The window was open; at noon the migration closes.");
        var other = Sample(3, "Nothing to see here.");
        await StoreAsync([(phrase, ReviewStratum.Uniform), (apart, ReviewStratum.Uniform), (other, ReviewStratum.Uniform)]);

        var byPhrase = await new SampleSearch(Database).FindAsync(Query("\"migration window\""), default);
        var byWords = await new SampleSearch(Database).FindAsync(Query("migration window"), default);
        var caseless = await new SampleSearch(Database).FindAsync(Query("FRIDAY"), default);
        var none = await new SampleSearch(Database).FindAsync(Query("\"window migration\""), default);

        Assert.Equal([phrase.SampleId], byPhrase.Items.Select(r => r.SampleId));
        Assert.Equal(1, byPhrase.Total);
        Assert.Equal([phrase.SampleId, apart.SampleId], byWords.Items.Select(r => r.SampleId));
        Assert.Equal([phrase.SampleId], caseless.Items.Select(r => r.SampleId));
        Assert.Empty(none.Items);
        Assert.Equal(0, none.Total);
    }

    [Fact]
    public async Task Pages_newest_first_with_the_total_of_the_whole_search()
    {
        var samples = Enumerable.Range(0, 23).Select(i => Sample(i, $"Answer number {i} mentions the quarterly report.")).ToList();
        await StoreAsync(samples.Select(s => (s, ReviewStratum.Uniform)).Append((Sample(30, "Unrelated text."), ReviewStratum.Uniform)));
        var search = new SampleSearch(Database);

        var pages = new List<SamplePage>();
        for (var offset = 0; offset < 30; offset += 10)
            pages.Add(await search.FindAsync(Query("quarterly report", limit: 10, offset: offset), default));

        Assert.All(pages, p => Assert.Equal(23, p.Total));
        Assert.Equal([10, 10, 3], pages.Select(p => p.Items.Count));
        Assert.Equal(samples.Select(s => s.SampleId), pages.SelectMany(p => p.Items).Select(r => r.SampleId));
    }

    [Fact]
    public async Task Narrows_by_deployment_and_stratum()
    {
        var fp8 = Sample(1, "same text", "h100-fp8");
        var bf16 = Sample(2, "same text", "h100-bf16");
        var flagged = Sample(3, "same text", "h100-bf16");
        await StoreAsync([(fp8, ReviewStratum.Uniform), (bf16, ReviewStratum.Uniform), (flagged, ReviewStratum.Flagged)]);
        var search = new SampleSearch(Database);

        Assert.Equal([fp8.SampleId], (await search.FindAsync(Query(deployment: "h100-fp8"), default)).Items.Select(r => r.SampleId));
        Assert.Equal([bf16.SampleId, flagged.SampleId], (await search.FindAsync(Query(deployment: "h100-bf16"), default)).Items.Select(r => r.SampleId));
        Assert.Equal([flagged.SampleId], (await search.FindAsync(Query(stratum: "flagged"), default)).Items.Select(r => r.SampleId));
        var choices = await search.ChoicesAsync(default);
        Assert.Equal(["h100-bf16", "h100-fp8"], choices.Deployments);
        Assert.Equal(3, choices.Stored);
    }

    [Fact]
    public async Task Takes_hostile_search_text_as_words_and_forgets_a_deleted_sample()
    {
        var quoted = Sample(1, "He said \"drop table\" OR 1=1 -- and NEAR(x y) * stayed.");
        await StoreAsync([(quoted, ReviewStratum.Uniform)]);
        var search = new SampleSearch(Database);

        // FTS5 and tsquery operators in the box are words to find, never query syntax.
        Assert.Single((await search.FindAsync(Query("\"drop table\" OR NEAR(x"), default)).Items);
        Assert.Single((await search.FindAsync(Query("1=1 --"), default)).Items);
        Assert.Empty((await search.FindAsync(Query("\"table drop\""), default)).Items);

        await using (var c = await Database.OpenAsync(default))
            await c.ExecuteAsync("DELETE FROM samples WHERE sample_id = @id", new { id = quoted.SampleId });
        Assert.Empty((await search.FindAsync(Query("drop table"), default)).Items);
    }
}

public sealed class SqliteSampleSearchTests : SampleSearchContractTests
{
    protected override StoreKind Kind => StoreKind.Sqlite;
}

public sealed class PostgresSampleSearchTests : SampleSearchContractTests
{
    protected override StoreKind Kind => StoreKind.Postgres;
}
