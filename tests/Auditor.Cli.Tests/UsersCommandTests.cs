using Auditor.Cli.Users;
using Auditor.Storage;
using Auditor.Storage.Accounts;
using Microsoft.AspNetCore.Identity;

namespace Auditor.Cli.Tests;

/// <summary>
/// `auditor users add | passwd | disable | enable` against a SQLite file, as run from a shell: settings from the
/// environment, the password on standard input. Process-wide state (environment, console), so not run in parallel.
/// </summary>
[Collection(nameof(UsersCommandTests))]
public sealed class UsersCommandTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"auditor-cli-users-{Guid.NewGuid():N}.db");
    private readonly string? _previous = Environment.GetEnvironmentVariable("ConnectionStrings__Sqlite");

    public UsersCommandTests() => Environment.SetEnvironmentVariable("ConnectionStrings__Sqlite", $"Data Source={_file}");

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("ConnectionStrings__Sqlite", _previous);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var f in new[] { _file, _file + "-wal", _file + "-shm" })
            File.Delete(f);
    }

    private static async Task<int> RunAsync(string stdin, params string[] args)
    {
        var previous = Console.In;
        Console.SetIn(new StringReader(stdin));
        try
        {
            return await UsersCommand.Create().Parse(args).InvokeAsync();
        }
        finally
        {
            Console.SetIn(previous);
        }
    }

    private async Task<UserAccount?> FindAsync(string name)
    {
        await using var database = AuditorDatabase.Create(StoreKind.Sqlite, $"Data Source={_file}");
        return await new UserStore(database, TimeProvider.System).FindAsync(name, default);
    }

    private static bool Accepts(UserAccount user, string password) =>
        new PasswordHasher<string>().VerifyHashedPassword(user.Name, user.PasswordHash, password) != PasswordVerificationResult.Failed;

    [Fact]
    public async Task Passwd_reads_the_new_password_from_stdin_and_changes_the_stamp()
    {
        Assert.Equal(0, await RunAsync("first-password-123\n", "add", "bob", "--password-stdin"));
        var before = (await FindAsync("bob"))!;

        Assert.Equal(0, await RunAsync("second-password-456\n", "passwd", "bob", "--password-stdin"));
        var after = (await FindAsync("bob"))!;

        Assert.True(Accepts(after, "second-password-456"));
        Assert.False(Accepts(after, "first-password-123"));
        Assert.NotEqual(before.SecurityStamp, after.SecurityStamp);
    }

    [Fact]
    public async Task Passwd_refuses_a_short_password_and_an_unknown_user()
    {
        Assert.Equal(0, await RunAsync("first-password-123\n", "add", "carl", "--password-stdin"));

        Assert.Equal(2, await RunAsync("short\n", "passwd", "carl", "--password-stdin"));
        Assert.Equal(1, await RunAsync("long-enough-password\n", "passwd", "nobody", "--password-stdin"));
        Assert.True(Accepts((await FindAsync("carl"))!, "first-password-123"));
    }

    [Fact]
    public async Task Disable_and_enable_switch_an_account_and_the_last_enabled_admin_stays()
    {
        Assert.Equal(0, await RunAsync("first-password-123\n", "add", "dana", "--password-stdin"));
        Assert.Equal(0, await RunAsync("admin-password-123\n", "add", "root", "--role", "admin", "--password-stdin"));

        Assert.Equal(0, await RunAsync("", "disable", "dana"));
        Assert.True((await FindAsync("dana"))!.Disabled);
        Assert.Equal(1, await RunAsync("", "disable", "root"));
        Assert.False((await FindAsync("root"))!.Disabled);
        Assert.Equal(0, await RunAsync("", "enable", "dana"));
        Assert.False((await FindAsync("dana"))!.Disabled);
        Assert.Equal(1, await RunAsync("", "disable", "nobody"));
    }
}

[CollectionDefinition(nameof(UsersCommandTests), DisableParallelization = true)]
public sealed class UsersCommandCollection;
