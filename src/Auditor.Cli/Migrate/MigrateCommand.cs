using System.CommandLine;

namespace Auditor.Cli.Migrate;

/// <summary>`auditor migrate`: applies pending schema migrations to the configured store (the server also does this at start).</summary>
public static class MigrateCommand
{
    public static Command Create()
    {
        var command = new Command("migrate", "Apply pending database migrations to the configured store (Auditor__Store, ConnectionStrings__*).");
        command.SetAction(async (ParseResult _, CancellationToken ct) =>
        {
            await using var database = CliConfiguration.OpenDatabase(CliConfiguration.Load());
            var applied = await database.MigrateAsync(ct);
            Console.WriteLine(applied.Count == 0
                ? $"{database.Kind}: schema is current, nothing to apply."
                : $"{database.Kind}: applied {string.Join(", ", applied)}.");
            return 0;
        });
        return command;
    }
}
