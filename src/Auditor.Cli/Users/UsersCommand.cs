using System.CommandLine;
using Auditor.Server.Accounts;
using Auditor.Storage.Accounts;

namespace Auditor.Cli.Users;

/// <summary>`auditor users add NAME --role reviewer|admin`: creates an account in the configured store.</summary>
public static class UsersCommand
{
    public const string PasswordVariable = "AUDITOR_USER_PASSWORD";

    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The login name (1 to 100 characters: letters, digits, . _ -)." };
        var role = new Option<string>("--role") { Description = "reviewer or admin.", DefaultValueFactory = _ => Roles.Reviewer };
        role.AcceptOnlyFromAmong(Roles.Reviewer, Roles.Admin);
        var passwordStdin = new Option<bool>("--password-stdin") { Description = $"Read the password from standard input (else from {PasswordVariable}, else it is generated and printed)." };
        var add = new Command("add", "Create a reviewer or admin account.") { name, role, passwordStdin };
        add.Validators.Add(r =>
        {
            var n = r.GetValue(name) ?? "";
            if (n.Length is 0 or > 100 || !n.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
                r.AddError("The name must be 1 to 100 characters of letters, digits, '.', '_' or '-'.");
        });
        add.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var userName = r.GetValue(name)!;
            var (password, generated) = ReadPassword(r.GetValue(passwordStdin));
            if (password.Length < 12)
            {
                Console.Error.WriteLine("The password must be at least 12 characters.");
                return 2;
            }
            await using var database = CliConfiguration.OpenDatabase(CliConfiguration.Load());
            await database.MigrateAsync(ct);
            var users = new UserStore(database, TimeProvider.System);
            if (!await users.AddAsync(userName, PasswordCheck.Hash(userName, password), r.GetValue(role)!, ct))
            {
                Console.Error.WriteLine($"A user named '{userName}' already exists.");
                return 1;
            }
            Console.WriteLine(generated
                ? $"Created {r.GetValue(role)} '{userName}' with password {password} (shown only now)."
                : $"Created {r.GetValue(role)} '{userName}'.");
            return 0;
        });
        var users = new Command("users", "Manage review UI accounts.");
        users.Subcommands.Add(add);
        return users;
    }

    private static (string Password, bool Generated) ReadPassword(bool fromStdin)
    {
        if (fromStdin)
            return ((Console.In.ReadLine() ?? "").TrimEnd('\r', '\n'), false);
        if (Environment.GetEnvironmentVariable(PasswordVariable) is { Length: > 0 } fromEnvironment)
            return (fromEnvironment, false);
        return (Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(18)), true);
    }
}
