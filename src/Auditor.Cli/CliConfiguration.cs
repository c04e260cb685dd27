using Auditor.Server.Configuration;
using Auditor.Storage;
using Microsoft.Extensions.Configuration;

namespace Auditor.Cli;

/// <summary>The CLI reads the same settings as the server: appsettings.json in the current folder, then environment variables.</summary>
public static class CliConfiguration
{
    public static IConfiguration Load() => new ConfigurationBuilder()
        .SetBasePath(Directory.GetCurrentDirectory())
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .Build();

    /// <summary>The database the server would use with these settings.</summary>
    public static AuditorDatabase OpenDatabase(IConfiguration configuration)
    {
        var options = configuration.ReadAuditorOptions();
        var connectionString = options.Store == StoreKind.Postgres ? ConnectionStrings.Postgres(configuration) : ConnectionStrings.Sqlite(configuration);
        return AuditorDatabase.Create(options.Store, connectionString);
    }
}
