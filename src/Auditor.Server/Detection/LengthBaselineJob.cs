using Auditor.Detection.Length;
using Auditor.Server.Hosting;
using Auditor.Storage.Baselines;

namespace Auditor.Server.Detection;

/// <summary>
/// Rebuilds the per-stream length baselines from the last 7 days of uniform-stratum lengths (at most 5,000 per
/// stream) at start and every 5 minutes. The input is hour-aligned and ordered, so consumers agree.
/// </summary>
public sealed partial class LengthBaselineJob(UniformLengthReader reader, SwappableStreamBaselines baselines, TimeProvider clock, ILogger<LengthBaselineJob> logger)
    : PeriodicJob(clock)
{
    public static readonly TimeSpan Window = TimeSpan.FromDays(7);
    public const int PerStream = 5000;

    protected override TimeSpan Period => TimeSpan.FromMinutes(5);

    protected override FirstStep FirstStep => FirstStep.AfterOnePeriod;

    public async Task RefreshAsync(CancellationToken ct)
    {
        var now = Clock.GetUtcNow();
        baselines.Replace(LengthBaselineTable.Build(await reader.ReadAsync(now, Window, PerStream, ct)), now);
    }

    protected override Task LoadAtStartAsync(CancellationToken ct) => RefreshAsync(ct);

    protected override Task StepAsync(CancellationToken ct) => RefreshAsync(ct);

    // The length detector keeps the previous baselines (or abstains without any).
    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not refresh length baselines; keeping the previous ones")]
    protected override partial void LogStepFailed(Exception exception);
}
