namespace Auditor.Fault.Tests;

/// <summary>
/// A RabbitMQ node of the test's own: its own node name, ports, data, logs, config and Erlang cookie (HOME in the
/// temp folder), started with Debian's rabbitmq-server -detached. The shared node on 5672 is never touched.
/// </summary>
public sealed class PrivateRabbitMq : IAsyncDisposable
{
    private const string Bin = "/usr/lib/rabbitmq/bin";
    private readonly string _dir;
    private readonly Dictionary<string, string> _env;

    private PrivateRabbitMq(string dir, string node, int port, int distPort)
    {
        _dir = dir;
        Node = node;
        Port = port;
        _env = new()
        {
            ["HOME"] = $"{dir}/home",
            ["RABBITMQ_NODENAME"] = node,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = port.ToString(),
            ["RABBITMQ_DIST_PORT"] = distPort.ToString(),
            ["RABBITMQ_MNESIA_BASE"] = $"{dir}/mnesia",
            ["RABBITMQ_LOG_BASE"] = $"{dir}/log",
            ["RABBITMQ_CONFIG_FILE"] = $"{dir}/rabbitmq.conf",
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = $"{dir}/enabled_plugins",
            ["RABBITMQ_PID_FILE"] = $"{dir}/rabbitmq.pid",
        };
    }

    public string Node { get; }

    public int Port { get; }

    public Uri Uri => new($"amqp://guest:guest@127.0.0.1:{Port}/");

    public static async Task<PrivateRabbitMq> StartAsync()
    {
        if (!File.Exists($"{Bin}/rabbitmq-server"))
            throw new InvalidOperationException($"RabbitMQ is missing ({Bin}); install the Debian package rabbitmq-server.");
        var dir = Directory.CreateTempSubdirectory("auditor-fault-rmq-").FullName;
        Directory.CreateDirectory($"{dir}/home");
        await File.WriteAllTextAsync($"{dir}/rabbitmq.conf", "loopback_users.guest = true\n");
        await File.WriteAllTextAsync($"{dir}/enabled_plugins", "[].\n");
        var node = $"auditor-fault-{Environment.ProcessId}-{Random.Shared.Next(100_000)}@localhost";
        var rabbit = new PrivateRabbitMq(dir, node, ChildProcess.FreePort(), ChildProcess.FreePort());
        await rabbit.StartNodeAsync();
        return rabbit;
    }

    public async Task StartNodeAsync()
    {
        File.Delete($"{_dir}/rabbitmq.pid");
        await ChildProcess.RunAsync($"{Bin}/rabbitmq-server", ["-detached"], _env);
        // `wait` follows the pid file until the rabbit application runs (await_startup fails before the node registers).
        await ChildProcess.RunAsync($"{Bin}/rabbitmqctl", ["-n", Node, "wait", "--timeout", "90", $"{_dir}/rabbitmq.pid"], _env, TimeSpan.FromSeconds(100));
    }

    /// <summary>Stops the whole node (Erlang VM included), as a broker restart does; queues and messages stay on disk.</summary>
    public Task StopNodeAsync() => ChildProcess.RunAsync($"{Bin}/rabbitmqctl", ["-n", Node, "stop"], _env, TimeSpan.FromSeconds(90));

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopNodeAsync();
        }
        catch (Exception)
        {
            // Already stopped.
        }
        Directory.Delete(_dir, recursive: true);
    }
}
