using System.Globalization;

namespace Auditor.Cli.Bench;

/// <summary>
/// CPU time (user + system) of another process from /proc, for the bench's CPU-seconds per 1,000 samples. With
/// <c>tree</c> it adds the process's live children and the children it has already reaped (cutime, cstime): PostgreSQL
/// runs each connection in a backend its postmaster forks and reaps. Linux only; elsewhere it reads nothing.
/// </summary>
internal sealed class ProcessCpuClock(string name, int pid, bool tree)
{
    // USER_HZ: the unit of utime and stime in /proc; 100 on every Linux ABI .NET runs on.
    private const double TicksPerSecond = 100;

    public string Name => name;

    public bool Available => File.Exists($"/proc/{pid}/stat");

    /// <summary>CPU seconds so far, or null when the process cannot be read.</summary>
    public double? Read()
    {
        var own = Fields(pid);
        if (own is null)
            return null;
        long ticks = Ticks(own, 11) + Ticks(own, 12);
        if (tree)
        {
            ticks += Ticks(own, 13) + Ticks(own, 14);
            foreach (var child in Children(pid))
                if (Fields(child) is { } f)
                    ticks += Ticks(f, 11) + Ticks(f, 12);
        }
        return ticks / TicksPerSecond;
    }

    // The fields after the command name (which may hold spaces), starting at state (field 3 of proc(5)).
    private static string[]? Fields(int process)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{process}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long Ticks(string[] fields, int index) => long.Parse(fields[index], CultureInfo.InvariantCulture);

    private static IEnumerable<int> Children(int parent)
    {
        var path = $"/proc/{parent}/task/{parent}/children";
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (IOException)
        {
            yield break;
        }
        foreach (var part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            yield return int.Parse(part, CultureInfo.InvariantCulture);
    }
}
