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
    public void Bench_e2e_runs_the_ceiling_three_times_by_default_and_refuses_a_count_out_of_range()
    {
        var command = BenchE2eCommand.Create();
        Assert.Equal(3, command.Parse(["--samples", "10"]).GetValue<int>("--ceiling-runs"));
        Assert.Empty(command.Parse(["--ceiling-runs", "1"]).Errors);
        Assert.Empty(command.Parse(["--ceiling-runs", "9"]).Errors);
        Assert.Contains(command.Parse(["--ceiling-runs", "0"]).Errors, e => e.Message == "--ceiling-runs must be between 1 and 9.");
        Assert.Contains(command.Parse(["--ceiling-runs", "10"]).Errors, e => e.Message == "--ceiling-runs must be between 1 and 9.");
    }

    [Fact]
    public void The_median_of_runs_is_the_middle_one_or_the_mean_of_the_middle_two()
    {
        Assert.Equal(15_000, BenchStatistics.Median([19_617, 13_083, 15_000]));
        Assert.Equal(14_000, BenchStatistics.Median([16_000, 12_000]));
        Assert.Equal(7, BenchStatistics.Median([7]));
        Assert.Throws<ArgumentException>(() => BenchStatistics.Median([]));
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
