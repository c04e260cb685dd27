using System.CommandLine;

// `auditor`: one sub-command per folder, each built by a static Create() and added here in one line.
var root = new RootCommand("Auditor: catch the silent failures of self-hosted LLMs.");
return await root.Parse(args).InvokeAsync();
