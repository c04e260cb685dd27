using Auditor.Testing;

namespace Auditor.Server.Tests.Hostile;

/// <summary>
/// The hostile catalogue published with a plain AMQP client, each case between two valid neighbours, on PostgreSQL and
/// on SQLite: each case is acknowledged and kept in rejected_samples (source rabbitmq) with its rule; one MassTransit
/// could not read at all would also be in the error queue (reported, where it exists); neighbours and later traffic are
/// counted; nothing stays in the queue.
/// </summary>
public sealed class HostileRabbitMqTests : BrokerTest
{
    [Fact]
    public async Task Every_hostile_class_on_the_queue_is_kept_with_its_rule_on_PostgreSQL_while_its_neighbours_are_counted()
    {
        await using var app = AuditorApp.OnBrokerAndPostgres(Database);
        await RunCatalogueAsync(app, "RabbitMQ (raw JSON), PostgreSQL");
    }

    [Fact]
    public async Task Every_hostile_class_on_the_queue_is_kept_with_its_rule_on_SQLite_while_its_neighbours_are_counted()
    {
        await using var app = new AuditorApp(new()
        {
            ["Auditor:Transport"] = "RabbitMq",
            ["ConnectionStrings:RabbitMq"] = TestServers.RabbitMq.ToString(),
        });
        await RunCatalogueAsync(app, "RabbitMQ (raw JSON), SQLite");
    }

    private async Task RunCatalogueAsync(AuditorApp app, string title)
    {
        _ = app.Server;
        var cases = HostileCatalogue.Build();
        var neighbours = new List<string>();
        foreach (var c in cases)
        {
            var (a, before) = HostileCatalogue.Neighbour();
            var (b, after) = HostileCatalogue.Neighbour();
            await Publisher.PublishBytesAsync(before, a);
            await Publisher.PublishBytesAsync(c.Body, c.SampleId);
            await Publisher.PublishBytesAsync(after, b);
            neighbours.AddRange([a, b]);
        }
        var later = HostileCatalogue.Neighbour();
        await Publisher.PublishBytesAsync(later.Body, later.Id);

        await Eventually.Get(() => app.Database.CountedAsync(neighbours.Append(later.Id)), n => n == neighbours.Count + 1,
            within: TimeSpan.FromSeconds(90), what: "every valid neighbour and the later sample counted");
        var hostile = cases.Where(c => c.Rule is not null).ToList();
        var rejected = await Eventually.Get(() => HostileRun.RejectedByHashAsync(app.Database), r => hostile.All(c => r.ContainsKey(c.Hash)),
            within: TimeSpan.FromSeconds(60), what: "every hostile case in rejected_samples");
        await Eventually.Get(() => Publisher.QueueDepthAsync(), n => n == 0, what: "the samples queue drained");
        var inErrorQueue = (await Publisher.DrainErrorQueueMessageIdsAsync()).ToHashSet();

        var outcomes = new List<HostileOutcome>();
        foreach (var c in cases)
        {
            if (c.Rule is null)
            {
                Assert.True(await HostileRun.IsCountedAsync(app.Database, c.SampleId), $"{c.Class} should be counted");
                outcomes.Add(new HostileOutcome(c, "ack", null, "counted", true));
                continue;
            }
            var row = rejected[c.Hash];
            Assert.Equal("rabbitmq", row.Source);
            Assert.True(row.Errors.Contains($"\"{c.Rule}\"", StringComparison.Ordinal), $"{c.Class}: expected {c.Rule} in {row.Errors}");
            var where = $"rejected_samples (rabbitmq, payload {row.Encoding})" + (inErrorQueue.Contains(c.SampleId) ? " + error queue" : "");
            outcomes.Add(new HostileOutcome(c, "ack", c.Rule, where, true));
        }
        HostileRun.Report(title, outcomes);
    }
}
