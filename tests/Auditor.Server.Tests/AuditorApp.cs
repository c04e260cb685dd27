using Auditor.Storage;
using Auditor.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Auditor.Server.Tests;

/// <summary>
/// The real server in-process, configured per test through host settings (the same keys as the environment
/// variables in DESIGN.md). Defaults to the embedded mode on a fresh SQLite file.
/// </summary>
public sealed class AuditorApp : WebApplicationFactory<Program>
{
    public const string ApiKey = "test-key-0123456789";
    public const string AdminPassword = "admin-test-password";

    private readonly Dictionary<string, string?> _settings;
    private readonly string _sqliteFile = Path.Combine(Path.GetTempPath(), $"auditor-app-{Guid.NewGuid():N}.db");

    public AuditorApp(Dictionary<string, string?>? settings = null)
    {
        _settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Sqlite"] = $"Data Source={_sqliteFile}",
            ["Auditor:Ingest:ApiKeys:0"] = ApiKey,
            ["AUDITOR_ADMIN_PASSWORD"] = AdminPassword,
            ["Auditor:Consumer:BatchTimeLimitMs"] = "50",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (k, v) in settings ?? [])
            _settings[k] = v;
    }

    /// <summary>The server on RabbitMQ and a fresh PostgreSQL database.</summary>
    public static AuditorApp OnBrokerAndPostgres(PostgresTestDatabase database, Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Auditor:Transport"] = "RabbitMq",
            ["Auditor:Store"] = "Postgres",
            ["ConnectionStrings:Postgres"] = database.ConnectionString,
            ["ConnectionStrings:RabbitMq"] = TestServers.RabbitMq.ToString(),
        };
        foreach (var (k, v) in settings ?? [])
            all[k] = v;
        return new AuditorApp(all);
    }

    /// <summary>A client with the ingestion key and the admin's HTTP Basic credentials (for the read APIs).</summary>
    public HttpClient CreateIngestClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        client.DefaultRequestHeaders.Authorization = Basic("admin", AdminPassword);
        return client;
    }

    public static System.Net.Http.Headers.AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{user}:{password}")));

    public AuditorDatabase Database => Services.GetRequiredService<AuditorDatabase>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (k, v) in _settings)
            builder.UseSetting(k, v);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        TestDatabase.DeleteSqliteFiles(_sqliteFile);
    }
}
