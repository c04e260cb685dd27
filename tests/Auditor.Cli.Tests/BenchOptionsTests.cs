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
}
