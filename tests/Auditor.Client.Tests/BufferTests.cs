namespace Auditor.Client.Tests;

public class BufferTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static (AuditorPublisher Publisher, GatedTransport Transport) Publisher(BufferFullMode mode, int capacity, int batch)
    {
        var transport = new GatedTransport();
        var options = new AuditorPublisherOptions { BufferCapacity = capacity, MaxBatchSize = batch, WhenBufferFull = mode };
        return (new AuditorPublisher(options, _ => [transport]), transport);
    }

    [Fact]
    public async Task Drop_mode_counts_every_sample_dropped_on_a_full_buffer()
    {
        var (publisher, transport) = Publisher(BufferFullMode.DropAndCount, capacity: 10, batch: 5);
        await using (publisher)
        {
            // The sender takes one batch of 5 and holds it; then the buffer holds 10 more; the rest are dropped.
            Assert.Equal(PublishOutcome.Buffered, await publisher.PublishAsync(TestSamples.Sample()));
            await transport.FirstBatchTaken.Task.WaitAsync(Bound);
            var outcomes = new List<PublishOutcome>();
            for (var i = 0; i < 29; i++) outcomes.Add(await publisher.PublishAsync(TestSamples.Sample()));

            var dropped = outcomes.Count(o => o == PublishOutcome.Dropped);
            Assert.Equal(19, dropped); // 1 in flight + 10 buffered out of 30
            Assert.Equal(19, publisher.Counters.DroppedBufferFull);
            Assert.Equal(19, publisher.Counters.Dropped);
            Assert.Equal(PublishOutcome.Dropped, publisher.TryPublish(TestSamples.Sample()));
            Assert.Equal(20, publisher.Counters.DroppedBufferFull);

            transport.Open();
            using var cts = new CancellationTokenSource(Bound);
            await publisher.FlushAsync(cts.Token);
            var counters = publisher.Counters.Snapshot();
            Assert.Equal(11, counters.Confirmed);
            Assert.Equal(counters.Offered, counters.Confirmed + counters.Dropped);
        }
    }

    [Fact]
    public async Task Wait_mode_holds_the_caller_until_there_is_room()
    {
        var (publisher, transport) = Publisher(BufferFullMode.Wait, capacity: 4, batch: 1);
        await using (publisher)
        {
            await publisher.PublishAsync(TestSamples.Sample());
            await transport.FirstBatchTaken.Task.WaitAsync(Bound);
            for (var i = 0; i < 4; i++) Assert.Equal(PublishOutcome.Buffered, await publisher.PublishAsync(TestSamples.Sample()));

            var waiting = publisher.PublishAsync(TestSamples.Sample()).AsTask();
            await Task.Delay(300);
            Assert.False(waiting.IsCompleted, "a publish into a full buffer should wait in Wait mode");
            Assert.Equal(PublishOutcome.Dropped, publisher.TryPublish(TestSamples.Sample())); // TryPublish never waits

            transport.Open();
            Assert.Equal(PublishOutcome.Buffered, await waiting.WaitAsync(Bound));
            using var cts = new CancellationTokenSource(Bound);
            await publisher.FlushAsync(cts.Token);
            Assert.Equal(6, publisher.Counters.Confirmed);
            Assert.Equal(1, publisher.Counters.DroppedBufferFull);
        }
    }

    [Fact]
    public async Task Wait_mode_counts_a_cancelled_wait_as_dropped()
    {
        var (publisher, transport) = Publisher(BufferFullMode.Wait, capacity: 1, batch: 1);
        await using (publisher)
        {
            await publisher.PublishAsync(TestSamples.Sample());
            await transport.FirstBatchTaken.Task.WaitAsync(Bound);
            await publisher.PublishAsync(TestSamples.Sample());
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => publisher.PublishAsync(TestSamples.Sample(), cts.Token).AsTask());
            Assert.Equal(1, publisher.Counters.DroppedBufferFull);
            transport.Open();
        }
    }

    [Fact]
    public async Task Samples_still_unsent_at_the_shutdown_timeout_are_counted_dropped()
    {
        var transport = new GatedTransport();
        var options = new AuditorPublisherOptions { BufferCapacity = 100, MaxBatchSize = 10, ShutdownTimeout = TimeSpan.FromMilliseconds(200) };
        var publisher = new AuditorPublisher(options, _ => [transport]);
        for (var i = 0; i < 25; i++) await publisher.PublishAsync(TestSamples.Sample());
        await publisher.DisposeAsync().AsTask().WaitAsync(Bound);
        var counters = publisher.Counters.Snapshot();
        Assert.Equal(25, counters.DroppedUndeliverable);
        Assert.Equal(0, counters.Buffered);
        Assert.Equal(0, counters.InFlight);
    }

    [Fact]
    public async Task Counts_sampled_out_outputs_and_sends_none_of_them()
    {
        var transport = new GatedTransport();
        transport.Open();
        var options = new AuditorPublisherOptions { Sampling = new HeadSamplingOptions { Rate = 0.5, NextDouble = () => 0.9 } };
        await using var publisher = new AuditorPublisher(options, _ => [transport]);
        for (var i = 0; i < 10; i++) Assert.Equal(PublishOutcome.SampledOut, await publisher.PublishAsync(TestSamples.Sample()));
        Assert.Equal(PublishOutcome.Buffered, await publisher.PublishAsync(TestSamples.Sample(Contracts.FinishReasons.Length)));
        using var cts = new CancellationTokenSource(Bound);
        await publisher.FlushAsync(cts.Token);
        Assert.Equal(10, publisher.Counters.SampledOut);
        Assert.Equal(1, transport.Sent);
    }
}
