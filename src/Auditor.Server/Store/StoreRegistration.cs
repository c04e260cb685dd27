using Auditor.Server.Configuration;
using Auditor.Storage;
using Auditor.Storage.Keys;
using Auditor.Storage.Retention;
using Auditor.Storage.Samples;
using Auditor.Storage.Streams;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Store;

public static class StoreRegistration
{
    /// <summary>The database chosen by Auditor:Store, its feature stores, migrations at start and the readiness check.</summary>
    public static IServiceCollection AddAuditorStore(this IServiceCollection services, IConfiguration configuration, AuditorOptions options)
    {
        var connectionString = options.Store == StoreKind.Postgres ? ConnectionStrings.Postgres(configuration) : ConnectionStrings.Sqlite(configuration);
        services.AddSingleton(_ => AuditorDatabase.Create(options.Store, connectionString));
        // Reads that may lag by seconds go to ConnectionStrings:PostgresReplica when set (checked at start), else to the primary.
        services.AddOptions<ReplicaSetting>().Configure(r => (r.Store, r.ConnectionString) = (options.Store, ConnectionStrings.PostgresReplica(configuration)))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReplicaSetting>, ReplicaSettingValidation>();
        services.AddSingleton(sp => ReadReplica.For(sp.GetRequiredService<AuditorDatabase>(), sp.GetRequiredService<IOptions<ReplicaSetting>>().Value));
        services.AddSingleton<SampleBatchWriter>();
        services.AddSingleton<SampleReader>();
        services.AddSingleton(sp => new StreamSummaryReader(sp.GetRequiredService<ReadReplica>().Database));
        services.AddSingleton<StreamTotalsReader>();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<RetentionStore>();
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RetentionOptions>, RetentionOptionsValidation>();
        // Registered before the bus so the schema exists before the first batch is consumed.
        services.AddHostedService<StoreMigrationService>();
        services.AddHostedService<RetentionJob>();                   // week partitions ahead, retention by table
        services.AddHealthChecks().AddCheck<StoreHealthCheck>("store", tags: ["ready"])
            .AddCheck<ReplicaHealthCheck>("store-replica", tags: ["ready"]);
        return services;
    }
}

/// <summary>ConnectionStrings:PostgresReplica and the store it goes with, as read at start: what <see cref="ReadReplica.For"/> opens.</summary>
public sealed class ReplicaSetting
{
    public StoreKind Store { get; set; }

    public string? ConnectionString { get; set; }
}

/// <summary>Stops the start on a bad replica setting, with <see cref="ReadReplica.Problem"/>'s message (the rule, stated there once).</summary>
public sealed class ReplicaSettingValidation : IValidateOptions<ReplicaSetting>
{
    public ValidateOptionsResult Validate(string? name, ReplicaSetting options) =>
        ReadReplica.Problem(options.Store, options.ConnectionString) is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}
