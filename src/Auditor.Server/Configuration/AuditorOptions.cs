using Auditor.Storage;

namespace Auditor.Server.Configuration;

/// <summary>Which message transport carries samples to the consumer.</summary>
public enum TransportKind
{
    /// <summary>MassTransit's in-memory transport: no broker, one process (the embedded default).</summary>
    InMemory,
    /// <summary>RabbitMQ: durable, shared by many publishers and consumers.</summary>
    RabbitMq,
}

/// <summary>The "Auditor" configuration section (environment form: Auditor__Transport, Auditor__Review__UniformFraction, ...).</summary>
public sealed class AuditorOptions
{
    public const string Section = "Auditor";

    public TransportKind Transport { get; set; } = TransportKind.InMemory;
    public StoreKind Store { get; set; } = StoreKind.Sqlite;
    public IngestOptions Ingest { get; set; } = new();
    public ReviewOptions Review { get; set; } = new();
    public ConsumerOptions Consumer { get; set; } = new();
    public Pipeline.PipelineOptions Pipeline { get; set; } = new();
    public Pipeline.MetricsOptions Metrics { get; set; } = new();

    /// <summary>Lets MassTransit send its anonymous usage telemetry (off by default: Auditor calls no outside host).</summary>
    public bool MassTransitUsageTelemetry { get; set; }
}

public sealed class IngestOptions
{
    /// <summary>Keys accepted in X-Api-Key. When none is configured, one is generated at first start and printed.</summary>
    public List<string> ApiKeys { get; set; } = [];

    /// <summary>Largest accepted request body for POST /api/v1/samples, in bytes (413 past it).</summary>
    public long MaxBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Largest accepted output, in UTF-8 bytes (contract default 1 MiB).</summary>
    public int MaxOutputBytes { get; set; } = 1024 * 1024;

    /// <summary>POST /api/v1/ingest/litellm: where a LiteLLM log record's route comes from.</summary>
    public Ingestion.LiteLlm.LiteLlmOptions LiteLlm { get; set; } = new();

    /// <summary>POST /v1/traces: how a GenAI span's route is named.</summary>
    public Ingestion.Otlp.OtlpOptions Otlp { get; set; } = new();
}

public sealed class ReviewOptions
{
    /// <summary>u: the share of all samples selected for review whatever the detectors say.</summary>
    public double UniformFraction { get; set; } = 0.02;

    /// <summary>f: the share of flagged samples (not already uniform) also selected.</summary>
    public double FlaggedFraction { get; set; } = 1.0;

    /// <summary>d: the share of uniform items reviewed twice, blind, by different reviewers.</summary>
    public double DoubleReviewFraction { get; set; } = 0.1;

    /// <summary>How long a claimed item stays with its reviewer before it returns to the queue.</summary>
    public int LeaseMinutes { get; set; } = 10;

    /// <summary>Uniform items are shown blind (detector results hidden until the verdict is saved).</summary>
    public bool BlindUniform { get; set; } = true;
}

public sealed class ConsumerOptions
{
    /// <summary>Most messages in one consumer batch (one database transaction).</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>How long a batch waits to fill before it is processed anyway.</summary>
    public int BatchTimeLimitMs { get; set; } = 100;

    /// <summary>Batches processed at once by one process.</summary>
    public int ConcurrentBatches { get; set; } = 2;

    /// <summary>
    /// On RabbitMQ, how long the acks of committed messages are gathered into one multiple ack (CoalescedAckChannel);
    /// 0 sends one ack per message, as MassTransit does by itself.
    /// </summary>
    public int AckWindowMs { get; set; } = 5;
}
