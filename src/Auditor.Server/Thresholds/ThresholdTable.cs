using Auditor.Detection;
using Auditor.Server.Hosting;
using Auditor.Storage.Thresholds;

namespace Auditor.Server.Thresholds;

/// <summary>
/// Loads the active threshold versions into the consumer's settings. Reloaded when a ThresholdsChanged event
/// arrives and every 30 seconds anyway, so a process that missed an event still converges within seconds.
/// </summary>
public sealed partial class ThresholdTable(ThresholdStore store, CalibratedDetectorSettings settings, TimeProvider clock, ILogger<ThresholdTable> logger)
    : PeriodicJob(clock)
{
    private readonly SemaphoreSlim _reloading = new(1, 1);

    protected override TimeSpan Period => TimeSpan.FromSeconds(30);

    // Loaded before the bus starts (this service is registered first), so no batch is judged with stale thresholds;
    // a store that cannot be read at start stops the host rather than judge with the rules/ values alone.
    protected override FirstStep FirstStep => FirstStep.AfterOnePeriod;

    protected override bool FailedLoadAtStartIsFatal => true;

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

    protected override Task LoadAtStartAsync(CancellationToken ct) => ReloadAsync(ct);

    protected override Task StepAsync(CancellationToken ct) => ReloadAsync(ct);

    // The last loaded thresholds stay in force; readiness reports the store if it is down.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not reload thresholds; keeping the ones in force")]
    protected override partial void LogStepFailed(Exception exception);
}
