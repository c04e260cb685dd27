using System.CommandLine;
using Auditor.Server.Accounts;
using Auditor.Storage.Accounts;

namespace Auditor.Cli.Users;

/// <summary>
/// `auditor users add NAME --role reviewer|admin`, `users passwd NAME`, `users disable NAME`, `users enable NAME`:
/// accounts in the configured store. A new password comes from standard input (--password-stdin), from
/// AUDITOR_USER_PASSWORD, or is generated and printed. passwd and disable end the account's sessions at once.
/// </summary>
public static class UsersCommand
{
    public const string PasswordVariable = "AUDITOR_USER_PASSWORD";

    public static Command Create()
    {
        var users = new Command("users", "Manage review UI accounts.");
        users.Subcommands.Add(Add());
        users.Subcommands.Add(Passwd());
        users.Subcommands.Add(SetDisabled(disable: true));
        users.Subcommands.Add(SetDisabled(disable: false));
        return users;
    }

    private static Command Add()
    {
        var name = NameArgument();
        var role = new Option<string>("--role") { Description = "reviewer or admin.", DefaultValueFactory = _ => Roles.Reviewer };
        role.AcceptOnlyFromAmong(Roles.Reviewer, Roles.Admin);
        var passwordStdin = PasswordStdinOption();
        var add = new Command("add", "Create a reviewer or admin account.") { name, role, passwordStdin };
        ValidateName(add, name);
        add.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var userName = r.GetValue(name)!;
            var (password, generated) = ReadPassword(r.GetValue(passwordStdin));
            if (TooShort(password))
                return 2;
            await using var database = CliConfiguration.OpenDatabase(CliConfiguration.Load());
            await database.MigrateAsync(ct);
            var store = new UserStore(database, TimeProvider.System);
            if (!await store.AddAsync(userName, PasswordCheck.Hash(userName, password), r.GetValue(role)!, ct))
            {
                Console.Error.WriteLine($"A user named '{userName}' already exists.");
                return 1;
            }
            Console.WriteLine(generated
                ? $"Created {r.GetValue(role)} '{userName}' with password {password} (shown only now)."
                : $"Created {r.GetValue(role)} '{userName}'.");
            return 0;
        });
        return add;
    }

    private static Command Passwd()
    {
        var name = NameArgument();
        var passwordStdin = PasswordStdinOption();
        var passwd = new Command("passwd", "Set a new password for an account; its existing sessions end.") { name, passwordStdin };
        ValidateName(passwd, name);
        passwd.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var userName = r.GetValue(name)!;
            var (password, generated) = ReadPassword(r.GetValue(passwordStdin));
            if (TooShort(password))
                return 2;
            await using var database = CliConfiguration.OpenDatabase(CliConfiguration.Load());
            await database.MigrateAsync(ct);
            var store = new UserStore(database, TimeProvider.System);
            if (!await store.ChangePasswordAsync(userName, PasswordCheck.Hash(userName, password), ct))
            {
                Console.Error.WriteLine($"There is no user named '{userName}'.");
                return 1;
            }
            Console.WriteLine(generated
                ? $"Set a new password for '{userName}': {password} (shown only now). Their existing sessions have ended."
                : $"Set a new password for '{userName}'. Their existing sessions have ended.");
            return 0;
        });
        return passwd;
    }

    private static Command SetDisabled(bool disable)
    {
        var name = NameArgument();
        var command = disable
            ? new Command("disable", "Stop an account from logging in (cookie or HTTP Basic); its existing sessions end.") { name }
            : new Command("enable", "Let a disabled account log in again.") { name };
        ValidateName(command, name);
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var userName = r.GetValue(name)!;
            await using var database = CliConfiguration.OpenDatabase(CliConfiguration.Load());
            await database.MigrateAsync(ct);
            var store = new UserStore(database, TimeProvider.System);
            var user = await store.FindAsync(userName, ct);
            if (user is null)
            {
                Console.Error.WriteLine($"There is no user named '{userName}'.");
                return 1;
            }
            // Disabling the last admin who can log in would leave nobody to manage thresholds or accounts from the UI.
            if (disable && user.Role == Roles.Admin && !user.Disabled && await store.CountEnabledAsync(Roles.Admin, ct) <= 1)
            {
                Console.Error.WriteLine($"'{userName}' is the last enabled admin; add or enable another admin first.");
                return 1;
            }
            await store.SetDisabledAsync(userName, disable, ct);
            Console.WriteLine(disable ? $"Disabled '{userName}'; their existing sessions have ended." : $"Enabled '{userName}'.");
            return 0;
        });
        return command;
    }

    private static Argument<string> NameArgument() => new("name") { Description = "The login name (1 to 100 characters: letters, digits, . _ -)." };

    private static Option<bool> PasswordStdinOption() => new("--password-stdin")
    {
        Description = $"Read the password from the first line of standard input (else from {PasswordVariable}, else one is generated and printed).",
    };

    private static void ValidateName(Command command, Argument<string> name) => command.Validators.Add(r =>
    {
        var n = r.GetValue(name) ?? "";
        if (n.Length is 0 or > 100 || !n.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            r.AddError("The name must be 1 to 100 characters of letters, digits, '.', '_' or '-'.");
    });

    private static bool TooShort(string password)
    {
        if (password.Length >= PasswordCheck.MinimumLength)
            return false;
        Console.Error.WriteLine($"The password must be at least {PasswordCheck.MinimumLength} characters.");
        return true;
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
