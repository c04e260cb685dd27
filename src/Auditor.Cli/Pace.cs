using System.Diagnostics;

namespace Auditor.Cli;

/// <summary>Paced sending (demo traffic, `bench e2e --rate`): waiting until a stopwatch reaches the next message's due time.</summary>
public static class Pace
{
    /// <summary>
    /// Waits until <paramref name="clock"/> reaches <paramref name="due"/>, or not at all when less than
    /// <paramref name="slack"/> remains. The clock is read once: reading it again after a "not yet due" test can give a
    /// negative wait on a preempted thread, which Task.Delay refuses with an exception that ends the sending.
    /// </summary>
    public static Task UntilAsync(Stopwatch clock, TimeSpan due, CancellationToken ct, TimeSpan slack = default)
    {
        var wait = due - clock.Elapsed;
        return wait > slack ? Task.Delay(wait, ct) : Task.CompletedTask;
    }
}
