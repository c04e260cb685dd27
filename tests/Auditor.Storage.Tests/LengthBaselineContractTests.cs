using Auditor.Detection;
using Auditor.Detection.Length;
using Auditor.Review.Routing;
using Auditor.Storage.Baselines;
using Auditor.Storage.Samples;
using Auditor.Testing;

namespace Auditor.Storage.Tests;

public abstract class LengthBaselineContractTests : MigratedDatabaseTest
{

    [Fact]
    public async Task Two_consumers_reading_the_same_database_build_the_same_length_baselines()
    {
        var detectors = new DetectorRegistry(DetectorRegistry.Builtin(), new DefaultDetectorSettings());
        var random = new Random(5);
        var now = DateTimeOffset.UtcNow;
        var samples = Enumerable.Range(0, 300).Select(i => TestSamples.Valid(output: new string('a', 50 + random.Next(400))) with
        {
            OccurredAt = now.AddHours(-1 - random.Next(100)), Route = i % 3 == 0 ? "other" : "chat/answer",
        }).ToList();
        await new SampleBatchWriter(Database, TimeProvider.System).CommitAsync(
            samples.Select(s => new AuditedSample(s, detectors.Inspect(s), new RoutingDecision(ReviewStratum.Uniform, 0.02))).ToList(), [], default);

        await using var second = Test.OpenAnother();
        var first = LengthBaselineTable.Build(await new UniformLengthReader(Database).ReadAsync(now, TimeSpan.FromDays(7), 5000, default));
        var other = LengthBaselineTable.Build(await new UniformLengthReader(second).ReadAsync(now, TimeSpan.FromDays(7), 5000, default));

        var model = TestSamples.Valid().Model!;
        Assert.NotNull(first.For(model, "chat/answer"));
        Assert.Equal(first.For(model, "chat/answer"), other.For(model, "chat/answer"));
        Assert.Equal(first.For(model, "other"), other.For(model, "other"));
    }

    [Fact]
    public async Task Keeps_a_sample_without_its_text_as_absent_and_leaves_it_out_of_the_length_baselines()
    {
        var detectors = DetectorRegistry.FromRules(Detection.Rules.RuleSet.Defaults);
        var now = DateTimeOffset.UtcNow;
        var captured = TestSamples.Valid(output: "An answer of ordinary length.") with { OccurredAt = now.AddHours(-2), Route = "mixed" };
        var absent = TestSamples.Valid(output: "") with { Output = null, OutputCaptured = false, OccurredAt = now.AddHours(-2), Route = "mixed" };
        await new SampleBatchWriter(Database, TimeProvider.System).CommitAsync(
            new[] { captured, absent }.Select(s => new AuditedSample(s, detectors.Inspect(s), new RoutingDecision(ReviewStratum.Uniform, 0.02))).ToList(), [], default);

        var stored = await new SampleReader(Database).GetAsync(absent.SampleId!, default);
        var lengths = await new UniformLengthReader(Database).ReadAsync(now, TimeSpan.FromDays(7), 5000, default);

        Assert.NotNull(stored);
        Assert.Null(stored.Sample.Output);
        Assert.False(stored.Sample.HasOutputText);
        Assert.True((await new SampleReader(Database).GetAsync(captured.SampleId!, default))!.Sample.HasOutputText);
        Assert.Equal([captured.Output!.Length], lengths.Where(l => l.Route == "mixed").Select(l => l.CharLength));
    }
}

public sealed class SqliteLengthBaselineTests : LengthBaselineContractTests
{
    protected override StoreKind Kind => StoreKind.Sqlite;
}

public sealed class PostgresLengthBaselineTests : LengthBaselineContractTests
{
    protected override StoreKind Kind => StoreKind.Postgres;
}
