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
        services.AddSingleton<SampleBatchWriter>();
        services.AddSingleton<SampleReader>();
        services.AddSingleton<StreamSummaryReader>();
        services.AddSingleton<StreamTotalsReader>();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<RetentionStore>();
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.Section)).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<RetentionOptions>, RetentionOptionsValidation>();
        // Registered before the bus so the schema exists before the first batch is consumed.
        services.AddHostedService<StoreMigrationService>();
        services.AddHostedService<RetentionJob>();                   // week partitions ahead, retention by table
        services.AddHealthChecks().AddCheck<StoreHealthCheck>("store", tags: ["ready"]);
        return services;
    }
}
