namespace Auditor.Server.Hosting;

/// <summary>When a <see cref="PeriodicJob"/> takes its first step.</summary>
public enum FirstStep
{
    /// <summary>In StartAsync: the host waits for it, so what the step loads is in place before the bus delivers.</summary>
    AtStart,

    /// <summary>As soon as the job runs, in the background.</summary>
    Immediately,

    /// <summary>One period after the start (work that a restart should not trigger).</summary>
    AfterOnePeriod,
}

/// <summary>
/// A background job that takes one step, then another every <see cref="Period"/>. A failed step is logged and the job
/// goes on: whatever the step maintains (a table in memory, a schedule of work in the database) stays as it was until
/// the next step succeeds. The period is read before every wait, so a changed option applies from the next interval.
/// </summary>
public abstract class PeriodicJob(TimeProvider clock) : BackgroundService
{
    protected TimeProvider Clock { get; } = clock;

    protected abstract TimeSpan Period { get; }

    protected abstract FirstStep FirstStep { get; }

    /// <summary>Whether a failure of the step at start stops the host (for state no judgement may run without).</summary>
    protected virtual bool FailureAtStartIsFatal => false;

    protected abstract Task StepAsync(CancellationToken ct);

    protected abstract void LogStepFailed(Exception exception);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (FirstStep == FirstStep.AtStart)
        {
            if (FailureAtStartIsFatal)
                await StepAsync(cancellationToken);
            else
                await TryStepAsync(cancellationToken);
        }
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (FirstStep == FirstStep.Immediately)
            await TryStepAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(Period, Clock, stoppingToken);
            await TryStepAsync(stoppingToken);
        }
    }

    private async Task TryStepAsync(CancellationToken ct)
    {
        try
        {
            await StepAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogStepFailed(ex);
        }
    }
}
