using System.CommandLine;

namespace Auditor.Cli.Bench;

/// <summary>`auditor bench ...`: bounded benchmarks that print measured figures. They are not tests.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Measure throughput on this machine.");
        command.Subcommands.Add(BenchIngestCommand.Create());
        command.Subcommands.Add(BenchDetectorsCommand.Create());
        command.Subcommands.Add(BenchE2eCommand.Create());
        command.Subcommands.Add(BenchReportCommand.Create());
        return command;
    }
}
