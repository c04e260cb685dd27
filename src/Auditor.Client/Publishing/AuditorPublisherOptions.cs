namespace Auditor.Client;

/// <summary>What <see cref="AuditorPublisher.PublishAsync"/> does when the in-memory buffer is full.</summary>
public enum BufferFullMode
{
    /// <summary>
    /// Drop the sample and count it (<see cref="AuditorPublisherCounters.DroppedBufferFull"/>). The caller's request
    /// path never waits on Auditor: the right choice inside a serving or gateway process.
    /// </summary>
    DropAndCount,

    /// <summary>
    /// Wait until there is room (back-pressure). Nothing is lost while the process lives, but a slow or unreachable
    /// broker slows the caller down: the right choice for batch jobs and log shippers.
    /// </summary>
    Wait,
}

/// <summary>Settings of an <see cref="AuditorPublisher"/>. Set at least one of <see cref="RabbitMqUri"/> and <see cref="HttpBaseAddress"/>.</summary>
public sealed class AuditorPublisherOptions
{
    /// <summary>AMQP URI of the broker, such as <c>amqp://guest:guest@localhost:5672/</c>. When set, RabbitMQ is the primary transport.</summary>
    public Uri? RabbitMqUri { get; set; }

    /// <summary>Exchange to publish to. Default <see cref="AuditorTopology.Exchange"/>; change it only for tests or a separate deployment.</summary>
    public string Exchange { get; set; } = AuditorTopology.Exchange;

    /// <summary>Quorum queue declared and bound to <see cref="Exchange"/> before the first publish. Default <see cref="AuditorTopology.Queue"/>.</summary>
    public string Queue { get; set; } = AuditorTopology.Queue;

    /// <summary>
    /// Base address of an Auditor server, such as <c>http://localhost:5080/</c>. When <see cref="RabbitMqUri"/> is
    /// also set, HTTP is the fallback for batches RabbitMQ could not confirm; otherwise it is the only transport.
    /// </summary>
    public Uri? HttpBaseAddress { get; set; }

    /// <summary>Ingestion key sent as <c>X-Api-Key</c> on HTTP.</summary>
    public string? ApiKey { get; set; }

    /// <summary>An HttpClient to use (from IHttpClientFactory, say); default: one the publisher owns.</summary>
    public HttpClient? HttpClient { get; set; }

    /// <summary>Head sampling: the rate and the always-sample rules.</summary>
    public HeadSamplingOptions Sampling { get; set; } = new();

    /// <summary>Samples held in memory while they wait to be sent. Default 10,000.</summary>
    public int BufferCapacity { get; set; } = 10_000;

    /// <summary>What to do when the buffer is full. Default <see cref="BufferFullMode.DropAndCount"/>.</summary>
    public BufferFullMode WhenBufferFull { get; set; } = BufferFullMode.DropAndCount;

    /// <summary>Samples sent per batch (one HTTP request, or one group of AMQP publishes whose confirms are awaited together). Default 200.</summary>
    public int MaxBatchSize { get; set; } = 200;

    /// <summary>How long to wait for the broker's confirms of one batch before counting them unconfirmed and retrying. Default 30 s.</summary>
    public TimeSpan ConfirmTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First delay before a failed batch is retried; doubled on every failure up to <see cref="MaxRetryDelay"/>, with jitter. Default 200 ms.</summary>
    public TimeSpan InitialRetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest delay between retries. Default 30 s.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long <see cref="AuditorPublisher.DisposeAsync"/> keeps sending what is buffered; what is left after it is counted dropped. Default 10 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Connection name shown in the RabbitMQ management UI. Default <c>auditor-publisher</c>.</summary>
    public string ClientName { get; set; } = "auditor-publisher";

    /// <summary>Called for every sample the server answered as invalid (HTTP only; on the queue, the server keeps bad input in rejected_samples). Must not throw.</summary>
    public Action<SampleRejection>? OnRejected { get; set; }

    /// <summary>Called when a send fails and will be retried (broker down, 5xx, timeout), for the caller's logs. Must not throw.</summary>
    public Action<DeliveryProblem>? OnDeliveryProblem { get; set; }
}
