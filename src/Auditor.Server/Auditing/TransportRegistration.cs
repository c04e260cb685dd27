using Auditor.Contracts;
using Auditor.Server.Configuration;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Auditing;

public static class TransportRegistration
{
    /// <summary>The validator, detectors and pipeline, and MassTransit on the configured transport with the samples consumer.</summary>
    public static IServiceCollection AddAuditorPipeline(this IServiceCollection services, IConfiguration configuration, AuditorOptions options)
    {
        services.AddSingleton(sp => new OutputSampleValidator(
            sp.GetRequiredService<TimeProvider>(),
            new ContractLimits { MaxOutputBytes = sp.GetRequiredService<IOptions<AuditorOptions>>().Value.Ingest.MaxOutputBytes }));
        services.AddSingleton<SampleAuditPipeline>();
        services.AddSingleton<SampleQueue>();
        services.AddSingleton<Ingestion.SampleIntake>();
        services.AddSingleton<UnreadableMessageObserver>();
        var shards = options.Transport == TransportKind.RabbitMq ? IntakeShards.From(configuration) : new IntakeShards(0);
        services.AddSingleton(shards);
        services.AddSingleton(sp => new IntakeQueues(shards, sp.GetRequiredService<ILogger<IntakeQueues>>()));
        if (options.Transport == TransportKind.RabbitMq)
        {
            // One broker connection for reading and declaring the intake queues, shared by the topology job and the
            // queue depth probe (Pipeline/QueueDepthProbe), each on its own cadence.
            services.AddSingleton<IntakeQueueReader>();
            services.AddSingleton<Storage.Transport.IntakeShardCountStore>();
            // Before the bus, so the queues are bound (and leftovers of another shard count unbound) when it starts.
            services.AddHostedService<IntakeTopologyJob>();
            services.AddHealthChecks().AddCheck<IntakeQueuesHealthCheck>("intake-queues", tags: ["ready"]);
        }

        services.AddMassTransit(x =>
        {
            // MassTransit 8.4+ reports anonymous usage to an outside host unless told not to. A service beside production
            // traffic calls no one it was not configured to: off unless Auditor:MassTransitUsageTelemetry is true.
            x.ConfigureUsageTelemetryOptions(o => o.Enabled = options.MassTransitUsageTelemetry);
            x.AddConsumer<AuditOutputSamplesConsumer, AuditOutputSamplesConsumerDefinition>();
            x.AddReceiveObserver<UnreadableMessageObserver>();
            x.AddConsumer<Thresholds.ThresholdsChangedConsumer, Thresholds.ThresholdsChangedConsumerDefinition>();
            if (options.Transport == TransportKind.RabbitMq)
            {
                var broker = new Uri(ConnectionStrings.RabbitMq(configuration));
                x.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(broker, h =>
                    {
                        var (user, password) = Credentials(broker);
                        h.Username(user);
                        h.Password(password);
                        // Sends complete when the broker confirmed them: the HTTP 202 waits for that (BrokerIntake).
                        h.PublisherConfirmation = true;
                    });
                    cfg.ConfigureEndpoints(context);
                    // Sharded intake: every process consumes every shard queue, competing, beside the single queue
                    // (which the topology job unbinds, so it only drains what was in it). These are this process's own
                    // count; the topology job connects the shard queues of a larger count in force at run time.
                    foreach (var queue in shards.Queues)
                        cfg.ReceiveEndpoint(queue, e => IntakeShards.ConfigureConsumer(e, context));
                });
            }
            else
            {
                x.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
            }
        });
        return services;
    }

    private static (string User, string Password) Credentials(Uri broker)
    {
        var parts = broker.UserInfo.Split(':', 2);
        return parts.Length == 2 && parts[0].Length > 0
            ? (Uri.UnescapeDataString(parts[0]), Uri.UnescapeDataString(parts[1]))
            : ("guest", "guest");
    }
}
