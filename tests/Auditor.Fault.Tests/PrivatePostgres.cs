using Npgsql;

namespace Auditor.Fault.Tests;

/// <summary>
/// A PostgreSQL cluster of the test's own (initdb in a temp folder, run as the postgres OS user because initdb refuses
/// root), on a free loopback port, so stopping it never disturbs anyone else's database.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private const string Bin = "/usr/lib/postgresql/15/bin";
    private readonly string _dir;

    private PrivatePostgres(string dir, int port)
    {
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Database=auditor;Username=postgres;Pooling=true;Timeout=5";

    public static async Task<PrivatePostgres> StartAsync()
    {
        if (!File.Exists($"{Bin}/initdb"))
            throw new InvalidOperationException($"PostgreSQL 15 binaries are missing ({Bin}); install the Debian package postgresql-15.");
        var dir = Directory.CreateTempSubdirectory("auditor-fault-pg-").FullName;
        await ChildProcess.RunAsync("chown", ["postgres", dir]);
        var pg = new PrivatePostgres(dir, ChildProcess.FreePort());
        await AsPostgres($"{Bin}/initdb", "-D", $"{dir}/data", "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync");
        await pg.StartServerAsync();
        await AsPostgres($"{Bin}/createdb", "-h", "127.0.0.1", "-p", pg.Port.ToString(), "-U", "postgres", "auditor");
        return pg;
    }

    public Task StartServerAsync() => AsPostgres($"{Bin}/pg_ctl", "-D", $"{_dir}/data", "-l", $"{_dir}/server.log", "-w", "-t", "60",
        "-o", $"-p {Port} -k {_dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "start");

    /// <summary>Stops it the way an operator or a crash would take it away: open connections are cut.</summary>
    public async Task StopServerAsync()
    {
        await AsPostgres($"{Bin}/pg_ctl", "-D", $"{_dir}/data", "-m", "fast", "-w", "-t", "60", "stop");
        NpgsqlConnection.ClearAllPools();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await AsPostgres($"{Bin}/pg_ctl", "-D", $"{_dir}/data", "-m", "immediate", "-w", "-t", "30", "stop");
        }
        catch (Exception)
        {
            // Already stopped.
        }
        NpgsqlConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private static Task AsPostgres(string file, params string[] args) =>
        ChildProcess.RunAsync("runuser", ["-u", "postgres", "--", file, .. args], timeout: TimeSpan.FromSeconds(90));
}
