using System.Security.Cryptography;
using Auditor.Storage.Accounts;

namespace Auditor.Server.Accounts;

/// <summary>
/// With no admin account yet, creates the admin "admin": its password from AUDITOR_ADMIN_PASSWORD, or generated once and
/// printed. Runs after migrations.
/// </summary>
public sealed partial class FirstAdminService(UserStore users, IConfiguration configuration, ILogger<FirstAdminService> logger) : IHostedService
{
    public const string PasswordVariable = "AUDITOR_ADMIN_PASSWORD";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (await users.CountAsync(Roles.Admin, cancellationToken) > 0)
            return;
        var configured = configuration[PasswordVariable];
        var password = string.IsNullOrEmpty(configured) ? Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)) : configured;
        if (!await users.AddAsync("admin", PasswordCheck.Hash("admin", password), Roles.Admin, cancellationToken))
            return; // another server created it first, or a reviewer was given the name "admin"
        if (string.IsNullOrEmpty(configured))
            LogGenerated(password);
        else
            LogFromEnvironment();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Created the first admin account: user admin, password {Password} (shown only now). Set AUDITOR_ADMIN_PASSWORD to choose it; add reviewers with `auditor users add NAME --role reviewer`.")]
    private partial void LogGenerated(string password);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the first admin account 'admin' with the password from AUDITOR_ADMIN_PASSWORD.")]
    private partial void LogFromEnvironment();
}
