using Auditor.Storage;

namespace Auditor.Server.Store;

/// <summary>
/// Applies pending migrations at start, under the database's migration lock. A database that is not up yet
/// (a compose stack starting together) is retried with backoff for a while before the server gives up.
/// </summary>
public sealed partial class StoreMigrationService(AuditorDatabase database, IConfiguration configuration, ILogger<StoreMigrationService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(configuration.GetValue("Auditor:Store:StartupTimeoutSeconds", 120));
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                var applied = await database.MigrateAsync(cancellationToken);
                LogMigrated(database.Kind, applied.Count, string.Join(", ", applied));
                return;
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or System.Net.Sockets.SocketException or TimeoutException && DateTime.UtcNow < deadline)
            {
                LogWaiting(database.Kind, delay.TotalSeconds, ex.Message);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "{Store} schema is current ({Count} migrations applied now: {Applied})")]
    private partial void LogMigrated(StoreKind store, int count, string applied);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Store} is not reachable yet; retrying in {Seconds:0.0} s: {Reason}")]
    private partial void LogWaiting(StoreKind store, double seconds, string reason);
}
