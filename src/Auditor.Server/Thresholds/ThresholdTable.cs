using Auditor.Detection;
using Auditor.Storage.Thresholds;

namespace Auditor.Server.Thresholds;

/// <summary>
/// Loads the active threshold versions into the consumer's settings. Reloaded when a ThresholdsChanged event
/// arrives and every 30 seconds anyway, so a process that missed an event still converges within seconds.
/// </summary>
public sealed partial class ThresholdTable(ThresholdStore store, CalibratedDetectorSettings settings, ILogger<ThresholdTable> logger) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _reloading = new(1, 1);

    public async Task ReloadAsync(CancellationToken ct)
    {
        await _reloading.WaitAsync(ct);
        try
        {
            var active = await store.ActiveAsync(ct);
            settings.Replace(active.ToDictionary(v => (v.Detector, v.Model, v.Route), v => v.Threshold));
        }
        finally
        {
            _reloading.Release();
        }
    }

    // Loaded before the bus starts (this service is registered first), so no batch is judged with stale thresholds.
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await ReloadAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await ReloadAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The last loaded thresholds stay in force; readiness reports the store if it is down.
                LogReloadFailed(ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not reload thresholds; keeping the ones in force")]
    private partial void LogReloadFailed(Exception exception);
}
