using Auditor.Detection.Drift;
using Auditor.Storage.Drift;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Drift;

/// <summary>
/// Loads every stream's active drift model at start and every few minutes, so all consumers score with the same
/// version; trains new versions when the newest is older than Auditor:Drift:TrainEveryHours (or none exists).
/// </summary>
public sealed partial class DriftModelJob(DriftModelStore store, DriftTraining training, SwappableDriftModels models, IOptionsMonitor<DriftOptions> options,
    TimeProvider clock, ILogger<DriftModelJob> logger) : BackgroundService
{
    public async Task ReloadAsync(CancellationToken ct) => models.Replace(await store.ActiveAsync(ct), clock.GetUtcNow());

    /// <summary>Trains every stream (or one), then reloads here. Other processes pick the versions up on their next reload.</summary>
    public async Task<IReadOnlyList<DriftTrainingOutcome>> TrainAsync(string trainedBy, CancellationToken ct, string? model = null, string? route = null)
    {
        var o = options.CurrentValue;
        var outcomes = await training.RunAsync(trainedBy, ct, model, route, new DriftTrainingOptions { Quantile = o.Quantile, Seed = o.Seed });
        await ReloadAsync(ct);
        return outcomes;
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ReloadAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(ex);
        }
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(options.CurrentValue.RefreshMinutes), clock);
        do
        {
            try
            {
                var newest = (await store.HistoryAsync(1, stoppingToken)).FirstOrDefault();
                if (newest is null || clock.GetUtcNow() - newest.TrainedAt > TimeSpan.FromHours(options.CurrentValue.TrainEveryHours))
                    LogTrained((await TrainAsync("drift schedule", stoppingToken)).Count(o => o.Version is not null));
                else
                    await ReloadAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The detector keeps the previous models (or abstains without any).
                LogFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Drift models trained for {Streams} streams")]
    private partial void LogTrained(int streams);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not load or train drift models; keeping the previous ones")]
    private partial void LogFailed(Exception exception);
}
