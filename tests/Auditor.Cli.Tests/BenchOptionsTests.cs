using Auditor.Cli.Bench;

namespace Auditor.Cli.Tests;

public sealed class BenchOptionsTests
{
    [Fact]
    public void Bench_e2e_takes_its_defaults_and_refuses_a_stream_count_out_of_range()
    {
        Assert.Empty(BenchE2eCommand.Create().Parse(["--samples", "10"]).Errors);
        Assert.Empty(BenchE2eCommand.Create().Parse(["--samples", "10", "--streams", "64"]).Errors);
        var refused = BenchE2eCommand.Create().Parse(["--streams", "0"]).Errors;
        Assert.Contains(refused, e => e.Message == "--streams must be between 1 and 10000.");
    }

    [Fact]
    public void Bench_e2e_takes_one_server_pid_per_process_and_refuses_one_that_is_not_a_process_id()
    {
        var command = BenchE2eCommand.Create();
        var two = command.Parse(["--server-pid", "101", "202"]);
        Assert.Empty(two.Errors);
        Assert.Equal([101, 202], two.GetValue<int[]>("--server-pid")!);
        Assert.Equal([101, 202], command.Parse(["--server-pid", "101", "--server-pid", "202"]).GetValue<int[]>("--server-pid")!);
        Assert.Contains(command.Parse(["--server-pid", "0"]).Errors, e => e.Message == "--server-pid must be a process id (a positive number).");
    }
}
