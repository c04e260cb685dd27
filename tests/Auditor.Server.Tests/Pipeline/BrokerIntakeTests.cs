using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Auditor.Client;
using Auditor.Contracts;
using Auditor.Testing;
using RabbitMQ.Client;

namespace Auditor.Server.Tests.Pipeline;

/// <summary>
/// On RabbitMQ the HTTP 202 waits for the broker's publisher confirm. The proof: a queue bound to the samples exchange
/// that refuses every message (max-length 0, overflow reject-publish) makes the broker nack the publish; a server that
/// answered before the confirm would still say 202. (Seen with MassTransit 8.5: the nacked send does not complete, so
/// the request is answered 503 "Samples not yet durable" after AcceptTimeoutSeconds.)
/// </summary>
public sealed class BrokerIntakeTests : BrokerTest
{
    [Fact]
    public async Task Answers_503_when_the_broker_refuses_the_samples_and_202_once_it_confirms_them()
    {
        await using var app = AuditorApp.OnBrokerAndPostgres(Database, new() { ["Auditor:Pipeline:AcceptTimeoutSeconds"] = "5" });
        var client = app.CreateIngestClient();
        var warm = TestSamples.Valid();
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/v1/samples", warm, OutputSampleJson.Options)).StatusCode);

        var factory = new ConnectionFactory { Uri = TestServers.RabbitMq, ClientProvidedName = "auditor-tests-full-queue" };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var full = $"auditor.tests.full-{Guid.NewGuid():N}";
        await channel.QueueDeclareAsync(full, durable: false, exclusive: true, autoDelete: true,
            arguments: new Dictionary<string, object?> { ["x-max-length"] = 0, ["x-overflow"] = "reject-publish" });
        await channel.QueueBindAsync(full, AuditorTopology.Exchange, "");
        var refusedSample = TestSamples.Valid();

        var refused = await client.PostAsync("/api/v1/samples",
            new StringContent(OutputSampleJson.Serialize(refusedSample), Encoding.UTF8, "application/json"));

        await channel.QueueDeleteAsync(full);
        var acceptedSample = TestSamples.Valid();
        var accepted = await client.PostAsJsonAsync("/api/v1/samples", acceptedSample, OutputSampleJson.Options);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(problem.GetProperty("title").GetString(), new[] { "Samples not yet durable", "Broker unavailable" });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await Eventually.Get(() => app.Database.CountedAsync([acceptedSample.SampleId!, warm.SampleId!]), n => n == 2, what: "the confirmed samples to be counted");
    }
}
