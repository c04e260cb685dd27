using Auditor.Detection.Drift;
using Auditor.Server.Hosting;
using Auditor.Storage.Drift;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Drift;

/// <summary>
/// Loads every stream's active drift model at start and every few minutes, so all consumers score with the same
/// version; trains new versions when the newest is older than Auditor:Drift:TrainEveryHours (or none exists).
/// </summary>
public sealed partial class DriftModelJob(DriftModelStore store, DriftTraining training, SwappableDriftModels models, IOptionsMonitor<DriftOptions> options,
    TimeProvider clock, ILogger<DriftModelJob> logger) : PeriodicJob(clock)
{
    protected override TimeSpan Period => TimeSpan.FromMinutes(options.CurrentValue.RefreshMinutes);

    // The active versions are loaded before the bus delivers; training, which takes longer, is the first step after.
    protected override FirstStep FirstStep => FirstStep.Immediately;

    public async Task ReloadAsync(CancellationToken ct) => models.Replace(await store.ActiveAsync(ct), Clock.GetUtcNow());

    /// <summary>Trains every stream (or one), then reloads here. Other processes pick the versions up on their next reload.</summary>
    public async Task<IReadOnlyList<DriftTrainingOutcome>> TrainAsync(string trainedBy, CancellationToken ct, string? model = null, string? route = null)
    {
        var o = options.CurrentValue;
        var outcomes = await training.RunAsync(trainedBy, ct, model, route, new DriftTrainingOptions { Quantile = o.Quantile, Seed = o.Seed });
        await ReloadAsync(ct);
        return outcomes;
    }

    protected override Task LoadAtStartAsync(CancellationToken ct) => ReloadAsync(ct);

    protected override async Task StepAsync(CancellationToken ct)
    {
        var newest = (await store.HistoryAsync(1, ct)).FirstOrDefault();
        if (newest is null || Clock.GetUtcNow() - newest.TrainedAt > TimeSpan.FromHours(options.CurrentValue.TrainEveryHours))
            LogTrained((await TrainAsync("drift schedule", ct)).Count(o => o.Version is not null));
        else
            await ReloadAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Drift models trained for {Streams} streams")]
    private partial void LogTrained(int streams);

    // The detector keeps the previous models (or abstains without any).
    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not load or train drift models; keeping the previous ones")]
    protected override partial void LogStepFailed(Exception exception);
}
