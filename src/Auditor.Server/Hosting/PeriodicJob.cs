namespace Auditor.Server.Hosting;

/// <summary>When a <see cref="PeriodicJob"/> takes its first regular step.</summary>
public enum FirstStep
{
    /// <summary>As soon as the job runs, in the background.</summary>
    Immediately,

    /// <summary>One period after the start (work that a restart should not trigger, or that the load at start did).</summary>
    AfterOnePeriod,
}

/// <summary>
/// A background job that loads what it maintains at start (the host waits, so a consumer never judges before its tables
/// are in place), then takes one step every <see cref="Period"/>. A failed load or step is logged and the job goes on:
/// whatever it maintains (a table in memory, work in the database) stays as it was until a later step succeeds. The
/// period is read before every wait, so a changed option applies from the next interval.
/// </summary>
public abstract class PeriodicJob(TimeProvider clock) : BackgroundService
{
    protected TimeProvider Clock { get; } = clock;

    protected abstract TimeSpan Period { get; }

    protected abstract FirstStep FirstStep { get; }

    /// <summary>Whether a failed load at start stops the host (for state no judgement may run without).</summary>
    protected virtual bool FailedLoadAtStartIsFatal => false;

    /// <summary>What the host waits for at start; nothing by default.</summary>
    protected virtual Task LoadAtStartAsync(CancellationToken ct) => Task.CompletedTask;

    protected abstract Task StepAsync(CancellationToken ct);

    protected abstract void LogStepFailed(Exception exception);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (FailedLoadAtStartIsFatal)
            await LoadAtStartAsync(cancellationToken);
        else
            await TryAsync(LoadAtStartAsync, cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (FirstStep == FirstStep.Immediately)
            await TryAsync(StepAsync, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(Period, Clock, stoppingToken);
            await TryAsync(StepAsync, stoppingToken);
        }
    }

    private async Task TryAsync(Func<CancellationToken, Task> step, CancellationToken ct)
    {
        try
        {
            await step(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogStepFailed(ex);
        }
    }
}
