namespace Auditor.Server.Pipeline;

/// <summary>The "Auditor:Pipeline" section: back-pressure limits and the rules that turn /health/ready red.</summary>
public sealed class PipelineOptions
{
    /// <summary>Samples wait and nothing committed for this long: the pipeline is stalled (Unhealthy).</summary>
    public int StallSeconds { get; set; } = 30;

    /// <summary>Most samples waiting for their commit on the embedded transport; past it POST answers 503 with Retry-After.</summary>
    public int MaxPendingSamples { get; set; } = 20_000;

    /// <summary>Most memory (bytes, as <see cref="Ingestion.HeldBytes"/> counts it) that requests waiting for their commit on the embedded transport may hold; past it POST answers 503.</summary>
    public long MaxPendingBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>On RabbitMQ: most requests waiting for publisher confirms at once; past it POST answers 503.</summary>
    public int MaxPublishesInFlight { get; set; } = 64;

    /// <summary>How long a request waits for its commit (or its confirms) before it answers 503: not acknowledged.</summary>
    public int AcceptTimeoutSeconds { get; set; } = 30;

    /// <summary>The Retry-After a refused request is given, in seconds.</summary>
    public int RetryAfterSeconds { get; set; } = 2;

    /// <summary>This many failed batch commits in a row make the pipeline Unhealthy (one makes it Degraded).</summary>
    public int FailedBatchesUnhealthy { get; set; } = 5;

    /// <summary>Rejected share of the samples of the last <see cref="RejectionWindowSeconds"/> that makes it Degraded.</summary>
    public double RejectionSpikeShare { get; set; } = 0.5;

    /// <summary>The window over which the rejected share is taken.</summary>
    public int RejectionWindowSeconds { get; set; } = 300;

    /// <summary>Fewer samples than this in the window say nothing about a spike.</summary>
    public int RejectionMinSamples { get; set; } = 100;

    /// <summary>On RabbitMQ, how often the samples queue's depth is read (a passive declare).</summary>
    public int QueueProbeSeconds { get; set; } = 5;
}

/// <summary>The "Auditor:Metrics" section: GET /metrics.</summary>
public sealed class MetricsOptions
{
    /// <summary>Whether GET /metrics is served at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Whether a scrape needs a login (HTTP Basic of any user); anonymous by default, as most Prometheus setups scrape.</summary>
    public bool RequireAuthentication { get; set; }

    /// <summary>Streams with their own per-stream series (largest first); the rest are summed under model="_other".</summary>
    public int MaxStreams { get; set; } = 100;

    /// <summary>How often per-stream totals are read from the store.</summary>
    public int StreamRefreshSeconds { get; set; } = 30;
}
