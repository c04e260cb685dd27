using System.Diagnostics;

namespace Auditor.Fault.Tests;

/// <summary>The Auditor server as a separate process (its Release or Debug build, like the test's), so it can be killed.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Dictionary<string, string> _env;
    private readonly string _workDir;
    private readonly string _log;
    private Process? _process;

    public ServerProcess(Dictionary<string, string> env, string workDir)
    {
        _env = env;
        _workDir = workDir;
        _log = Path.Combine(workDir, "server.log");
        Port = ChildProcess.FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{Port}/");
    }

    public int Port { get; }

    public Uri BaseAddress { get; }

    public int Starts { get; private set; }

    public static string ServerDll()
    {
        // tests/Auditor.Fault.Tests/bin/<Configuration>/<tfm>/ -> src/Auditor.Server/bin/<Configuration>/<tfm>/Auditor.Server.dll
        var binDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = binDir.Name;
        var configuration = binDir.Parent!.Name;
        var root = binDir;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Auditor.sln")))
            root = root.Parent;
        var dll = Path.Combine(root?.FullName ?? "", "src", "Auditor.Server", "bin", configuration, tfm, "Auditor.Server.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"The server is not built: {dll} is missing.");
    }

    public void Start()
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, WorkingDirectory = _workDir, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(ServerDll());
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{Port}");
        foreach (var (k, v) in _env)
            info.Environment[k] = v;
        _process = Process.Start(info) ?? throw new InvalidOperationException("could not start the server");
        Starts++;
        var start = Starts;
        _process.OutputDataReceived += (_, e) => Append(start, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(start, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private void Append(int start, string? line)
    {
        if (line is null)
            return;
        lock (_log)
            File.AppendAllText(_log, $"[{start}] {line}\n");
    }

    /// <summary>The last lines the server wrote, for a failure message.</summary>
    public string Tail(int lines = 40)
    {
        lock (_log)
            return File.Exists(_log) ? string.Join('\n', File.ReadLines(_log).TakeLast(lines)) : "(no output)";
    }

    public async Task WaitReadyAsync(TimeSpan within)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if (_process is { HasExited: true })
                throw new InvalidOperationException($"The server exited ({_process.ExitCode}):\n{Tail()}");
            try
            {
                if ((await http.GetAsync("health/ready")).IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow to answer: try again.
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"The server was not ready within {within}:\n{Tail()}");
    }

    /// <summary>SIGKILL: no shutdown code runs; whatever was not acknowledged must come back from the queue.</summary>
    public async Task KillAsync()
    {
        _process!.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, then the time the host took to stop (the batch in flight is finished or returned).</summary>
    public async Task<(TimeSpan Took, int ExitCode)> TerminateAsync(TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        await ChildProcess.RunAsync("kill", ["-TERM", _process!.Id.ToString()]);
        using var cts = new CancellationTokenSource(within);
        await _process.WaitForExitAsync(cts.Token);
        return (watch.Elapsed, _process.ExitCode);
    }

    /// <summary>The most resident memory the server process has had (VmHWM from /proc), in bytes.</summary>
    public long PeakResidentBytes()
    {
        var line = File.ReadLines($"/proc/{_process!.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>CPU seconds the server used so far (user + system), to tell waiting from spinning.</summary>
    public TimeSpan CpuTime()
    {
        _process!.Refresh();
        return _process.TotalProcessorTime;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        _process = null;
    }
}
