using System.CommandLine;
using Auditor.Cli.Bench;
using Auditor.Cli.Demo;
using Auditor.Cli.Migrate;
using Auditor.Cli.Ship;
using Auditor.Cli.Users;

// `auditor`: one sub-command per folder, each built by a static Create() and added here in one line.
var root = new RootCommand("Auditor: catch the silent failures of self-hosted LLMs.");
root.Subcommands.Add(MigrateCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(UsersCommand.Create());
root.Subcommands.Add(ShipCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
return await root.Parse(args).InvokeAsync();
