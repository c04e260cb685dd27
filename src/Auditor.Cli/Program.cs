using System.CommandLine;

// `auditor`: one sub-command per folder, each built by a static Create() and added here in one line.
var root = new RootCommand("Auditor: catch the silent failures of self-hosted LLMs.");
root.Subcommands.Add(Auditor.Cli.Eval.EvalCommand.Create());            // eval --corpus FILE.jsonl [--json]
root.Subcommands.Add(Auditor.Cli.Bench.BenchDetectorsCommand.Create()); // bench detectors [--corpus FILE]
root.Subcommands.Add(Auditor.Cli.Rules.RulesCheckCommand.Create());     // rules check [DIR]
return await root.Parse(args).InvokeAsync();
