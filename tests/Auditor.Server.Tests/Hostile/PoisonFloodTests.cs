using Auditor.Testing;

namespace Auditor.Server.Tests.Hostile;

/// <summary>
/// Issue #13's poison flood: 1,000 raw-JSON messages whose sampleId holds a lone surrogate used to throw inside the
/// unreadable-message recorder, stay unacknowledged, fill the prefetch and stop the consumer for good.
/// </summary>
public sealed class PoisonFloodTests : BrokerTest
{
    [Fact]
    public async Task A_thousand_messages_with_a_lone_surrogate_in_sampleId_are_all_kept_and_the_valid_ones_after_them_are_counted()
    {
        await using var app = AuditorApp.OnBrokerAndPostgres(Database);
        _ = app.Server;
        for (var i = 0; i < 1000; i++)
            await Publisher.PublishRawAsync($$"""{"sampleId":"x\udc00{{i}}","occurredAt":"{{DateTimeOffset.UtcNow.AddMinutes(-1):O}}","model":"m","route":"poison","output":"o"}""", $"poison-{i}");
        var valid = Enumerable.Range(0, 300).Select(_ => TestSamples.Valid()).ToList();
        foreach (var s in valid)
            await Publisher.PublishAsync(s);

        await Eventually.Get(() => app.Database.CountedAsync(valid.Select(s => s.SampleId!)), n => n == valid.Count,
            within: TimeSpan.FromSeconds(120), what: "all 300 valid samples after the poison counted");
        var rejected = await Eventually.Get(() => app.Database.RejectedAsync(), r => r.Count == 1000,
            within: TimeSpan.FromSeconds(60), what: "all 1,000 poison messages in rejected_samples");
        Assert.All(rejected, r => Assert.Contains("sampleId.surrogate", r.Errors, StringComparison.Ordinal));
        Assert.All(rejected, r => Assert.StartsWith("x\\udc00", r.SampleId, StringComparison.Ordinal));
        await Eventually.Get(() => Publisher.QueueDepthAsync(), n => n == 0, what: "nothing left waiting in the samples queue");
    }
}
