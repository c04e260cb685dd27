using Auditor.Server.Configuration;
using Auditor.Storage;
using Auditor.Storage.Keys;
using Auditor.Storage.Retention;
using Auditor.Storage.Samples;
using Auditor.Storage.Streams;

namespace Auditor.Server.Store;

public static class StoreRegistration
{
    /// <summary>The database chosen by Auditor:Store, its feature stores, migrations at start and the readiness check.</summary>
    public static IServiceCollection AddAuditorStore(this IServiceCollection services, IConfiguration configuration, AuditorOptions options)
    {
        var connectionString = options.Store == StoreKind.Postgres ? ConnectionStrings.Postgres(configuration) : ConnectionStrings.Sqlite(configuration);
        services.AddSingleton(_ => AuditorDatabase.Create(options.Store, connectionString));
        // Reads that may lag by seconds go to ConnectionStrings:PostgresReplica when set (checked at start), else to the primary.
        services.AddOptions<ReplicaSetting>().Configure(r => r.ConnectionString = ConnectionStrings.PostgresReplica(configuration))
            .Validate(r => ReadReplica.Problem(options.Store, r.ConnectionString) is null, ReadReplica.Problem(options.Store, ConnectionStrings.PostgresReplica(configuration)) ?? "")
            .ValidateOnStart();
        services.AddSingleton(sp => ReadReplica.For(sp.GetRequiredService<AuditorDatabase>(), configuration));
        services.AddSingleton<SampleBatchWriter>();
        services.AddSingleton<SampleReader>();
        services.AddSingleton(sp => new StreamSummaryReader(sp.GetRequiredService<ReadReplica>().Database));
        services.AddSingleton<StreamTotalsReader>();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<RetentionStore>();
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.Section)).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<RetentionOptions>, RetentionOptionsValidation>();
        // Registered before the bus so the schema exists before the first batch is consumed.
        services.AddHostedService<StoreMigrationService>();
        services.AddHostedService<RetentionJob>();                   // week partitions ahead, retention by table
        services.AddHealthChecks().AddCheck<StoreHealthCheck>("store", tags: ["ready"])
            .AddCheck<ReplicaHealthCheck>("store-replica", tags: ["ready"]);
        return services;
    }
}

/// <summary>ConnectionStrings:PostgresReplica as read at start, for its validation.</summary>
public sealed class ReplicaSetting
{
    public string? ConnectionString { get; set; }
}
