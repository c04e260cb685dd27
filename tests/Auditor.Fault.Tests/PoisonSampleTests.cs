using System.Text.Json;
using Auditor.Contracts;
using Auditor.Detection;
using Auditor.Detection.Drift;
using Auditor.Review.Routing;
using Auditor.Server.Auditing;
using Auditor.Server.Drift;
using Auditor.Storage;
using Auditor.Storage.Samples;
using Auditor.Testing;
using Dapper;
using Auditor.Server.Configuration;
using Auditor.Server.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using System.Diagnostics.Metrics;

namespace Auditor.Fault.Tests;

/// <summary>A sample that makes a detector throw is poison for itself only: the rest of its batch is counted.</summary>
public sealed class PoisonSampleTests : IAsyncLifetime
{
    private TestDatabase _test = null!;
    private AuditorDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _test = await TestDatabase.CreateAsync(StoreKind.Sqlite);
        _database = _test.Database;
        await _database.MigrateAsync(default);
    }

    public async Task DisposeAsync() => await _test.DisposeAsync();

    private static PipelineMonitor Monitor() => new(TimeProvider.System, Options.Create(new AuditorOptions()),
        new PipelineMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>(), new Auditor.Server.Auditing.IntakeQueues()));

    [Fact]
    public async Task Keeps_a_sample_that_breaks_a_detector_in_rejected_samples_and_counts_the_rest_of_its_batch()
    {
        var detectors = new DetectorRegistry([.. DetectorRegistry.Builtin(), new ThrowingDetector()], new DefaultDetectorSettings());
        var pipeline = new SampleAuditPipeline(new OutputSampleValidator(TimeProvider.System), detectors, ReviewFractions.Default,
            new SampleBatchWriter(_database, TimeProvider.System), new DriftWindowFeed(new SwappableDriftModels(), new DriftWindowSketches()),
            Monitor(), NullLogger<SampleAuditPipeline>.Instance);
        var batch = new[] { "fine one", ThrowingDetector.Poison, "fine two" }.Select((output, i) =>
        {
            var sample = new OutputSample { SampleId = $"poison-test-{i}", OccurredAt = DateTimeOffset.UtcNow, Model = "m", Route = "r", Output = output };
            return new IncomingSample(sample, () => JsonSerializer.Serialize(sample, OutputSampleJson.Options));
        }).ToList();

        var outcome = await pipeline.ProcessAsync(batch, "rabbitmq", default);

        Assert.Equal(2, outcome.Counted);
        await using var c = await _database.OpenAsync(default);
        var rejected = (await c.QueryAsync<(string SampleId, string Errors)>("SELECT sample_id, errors FROM rejected_samples")).Single();
        Assert.Equal("poison-test-1", rejected.SampleId);
        Assert.Contains("processing", rejected.Errors);
        Assert.Contains("detector bug", rejected.Errors);
    }

    private sealed class ThrowingDetector : IDetector
    {
        public const string Poison = "this output trips a detector bug";

        public string Name => "throwing";

        public double DefaultThreshold => 0.5;

        public DetectorResult Evaluate(DetectionContext context, DetectorSettings settings) =>
            context.Sample.Output == Poison ? throw new InvalidOperationException("detector bug") : DetectorResult.Abstain(Name, settings.Threshold, "test detector");
    }
}
