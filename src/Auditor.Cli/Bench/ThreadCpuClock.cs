using System.Globalization;

namespace Auditor.Cli.Bench;

/// <summary>
/// The calling thread's CPU time (user + system) from /proc/thread-self/stat on Linux, so a benchmark on a shared
/// machine reports what one core does rather than how busy the neighbours were. Elsewhere it falls back to the
/// process's CPU time, which is the same thing for a single busy thread.
/// </summary>
internal static class ThreadCpuClock
{
    // USER_HZ: the unit of utime and stime in /proc; 100 on every Linux ABI .NET runs on.
    private const double TicksPerSecond = 100;

    public static TimeSpan Read()
    {
        try
        {
            var stat = File.ReadAllText("/proc/thread-self/stat");
            // Fields after the command name (which may contain spaces) start at state (field 3); utime and stime are 14 and 15.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / TicksPerSecond);
        }
        catch (IOException)
        {
            return System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        }
        catch (UnauthorizedAccessException)
        {
            return System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        }
    }
}
