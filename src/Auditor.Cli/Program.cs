using System.CommandLine;
using Auditor.Cli.Migrate;

// `auditor`: one sub-command per file and folder, each built by a static Create().
var root = new RootCommand("Auditor: catch the silent failures of self-hosted LLMs.");
root.Subcommands.Add(MigrateCommand.Create());
return await root.Parse(args).InvokeAsync();
