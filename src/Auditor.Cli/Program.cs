using System.CommandLine;
using Auditor.Cli;
using Auditor.Cli.Bench;
using Auditor.Cli.Demo;
using Auditor.Cli.Drift;
using Auditor.Cli.Eval;
using Auditor.Cli.Migrate;
using Auditor.Cli.Report;
using Auditor.Cli.Rules;
using Auditor.Cli.Ship;
using Auditor.Cli.Users;

// `auditor`: one sub-command per folder, each built by a static Create() and added here in one line.
var root = new RootCommand("Auditor: catch the silent failures of self-hosted LLMs.");
root.Subcommands.Add(MigrateCommand.Create());       // migrate
root.Subcommands.Add(UsersCommand.Create());         // users add NAME --role reviewer|admin | passwd NAME | disable NAME | enable NAME
root.Subcommands.Add(EvalCommand.Create());          // eval --corpus FILE.jsonl [--json]
root.Subcommands.Add(RulesCheckCommand.Create());    // rules check [DIR]
root.Subcommands.Add(BenchCommand.Create());         // bench ingest | detectors | e2e
root.Subcommands.Add(ReportCommand.Create());        // report weekly --week 2026-W47 --format md|html|json
root.Subcommands.Add(ShipCommand.Create());          // ship --file requests.jsonl [--follow]
root.Subcommands.Add(DemoCommand.Create());          // demo: generated traffic with an injected incident
root.Subcommands.Add(DriftCommand.Create());         // drift train [--stream MODEL/ROUTE] | drift simulate [--corpus FILE]
try
{
    // Our own handler below for servers that do not answer; anything else still ends with its stack trace.
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (CliErrors.Unreachable(e) is { } reason)
{
    Console.Error.WriteLine($"auditor: {reason}");
    return 2;
}
catch (OperationCanceledException)
{
    return 130; // interrupted (Ctrl+C), as shells count SIGINT
}
catch (Exception e)
{
    Console.Error.WriteLine($"Unhandled exception: {e}");
    return 1;
}
