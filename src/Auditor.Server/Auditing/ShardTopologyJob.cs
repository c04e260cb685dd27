using Auditor.Server.Configuration;
using Auditor.Server.Hosting;
using RabbitMQ.Client;

namespace Auditor.Server.Auditing;

/// <summary>
/// Declares the sharded intake topology (<see cref="IntakeShards.DeclareAsync"/>) before the bus starts, and again every
/// minute so a single-queue binding a publisher re-declared is removed again. A broker that is not up yet is not fatal:
/// the next step declares it.
/// </summary>
public sealed partial class ShardTopologyJob(IntakeShards shards, IConfiguration configuration, TimeProvider clock, ILogger<ShardTopologyJob> logger)
    : PeriodicJob(clock)
{
    protected override TimeSpan Period => TimeSpan.FromMinutes(1);

    protected override FirstStep FirstStep => FirstStep.AfterOnePeriod;

    protected override Task LoadAtStartAsync(CancellationToken ct) => StepAsync(ct);

    protected override async Task StepAsync(CancellationToken ct)
    {
        var factory = new ConnectionFactory { Uri = new Uri(ConnectionStrings.RabbitMq(configuration)), ClientProvidedName = "auditor-shard-topology" };
        await using var connection = await factory.CreateConnectionAsync(ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        await shards.DeclareAsync(channel, ct);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not declare the sharded intake topology (is the rabbitmq_consistent_hash_exchange plugin enabled?); trying again in a minute")]
    protected override partial void LogStepFailed(Exception exception);
}
