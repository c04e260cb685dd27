using System.CommandLine;
using Auditor.Detection.Rules;

namespace Auditor.Cli.Rules;

/// <summary><c>auditor rules check [DIR]</c>: validates a rules directory; errors name file and line; exit code 1 on any error.</summary>
public static class RulesCheckCommand
{
    public static Command Create()
    {
        var dir = new Argument<DirectoryInfo>("DIR") { Description = "Rules directory (default: rules).", DefaultValueFactory = _ => new DirectoryInfo("rules") };
        var check = new Command("check", "Validate the rules/ YAML files.") { dir };
        check.SetAction((ParseResult pr, CancellationToken ct) =>
        {
            var path = pr.GetValue(dir)!.FullName;
            var result = RulesLoader.LoadDirectory(path);
            foreach (var e in result.Errors)
                Console.Error.WriteLine(Path.Combine(path, e.File) + ":" + e.Line + ": " + e.Problem);
            if (result.RuleSet is { } set)
            {
                Console.WriteLine($"{path}: valid ({set.Detectors.Count} detector settings, {set.Streams.Count} stream overrides, {set.TemplateTokens.Tokens.Count} template tokens, {set.RegexRules.Count} regex rules; version {set.Fingerprint[..12]})");
                return Task.FromResult(0);
            }
            Console.Error.WriteLine($"{result.Errors.Count} error(s): the last good configuration stays in force where this directory is watched.");
            return Task.FromResult(1);
        });
        var rules = new Command("rules", "Work with the rules/ configuration.");
        rules.Subcommands.Add(check);
        return rules;
    }
}
