using Auditor.Detection.Length;
using Auditor.Storage.Baselines;

namespace Auditor.Server.Detection;

/// <summary>
/// Rebuilds the per-stream length baselines from the last 7 days of uniform-stratum lengths (at most 5,000 per
/// stream) at start and every 5 minutes. The input is hour-aligned and ordered, so consumers agree.
/// </summary>
public sealed partial class LengthBaselineJob(UniformLengthReader reader, SwappableStreamBaselines baselines, TimeProvider clock, ILogger<LengthBaselineJob> logger)
    : BackgroundService
{
    public static readonly TimeSpan Window = TimeSpan.FromDays(7);
    public const int PerStream = 5000;

    public async Task RefreshAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        baselines.Replace(LengthBaselineTable.Build(await reader.ReadAsync(now, Window, PerStream, ct)), now);
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RefreshAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(ex);
        }
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(5), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The length detector keeps the previous baselines (or abstains without any).
                LogFailed(ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not refresh length baselines; keeping the previous ones")]
    private partial void LogFailed(Exception exception);
}
