using System.Security.Cryptography;
using Auditor.Server.Hosting;
using Auditor.Storage.Accounts;

namespace Auditor.Server.Accounts;

/// <summary>
/// With no admin account yet, creates the admin "admin": its password from AUDITOR_ADMIN_PASSWORD, or generated once,
/// printed and kept by <see cref="FirstStartSecrets"/>. Runs after migrations.
/// </summary>
public sealed partial class FirstAdminService(UserStore users, IConfiguration configuration, FirstStartSecrets secrets, ILogger<FirstAdminService> logger) : IHostedService
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
        {
            secrets.Record($"user admin, password {password} (shown only now)",
                "Set AUDITOR_ADMIN_PASSWORD to choose it; add reviewers with `auditor users add NAME --role reviewer`.");
            LogGenerated(secrets.FilePath);
        }
        else
            LogFromEnvironment();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Created the first admin account 'admin' with a generated password, printed on standard output and written to {File}.")]
    private partial void LogGenerated(string file);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the first admin account 'admin' with the password from AUDITOR_ADMIN_PASSWORD.")]
    private partial void LogFromEnvironment();
}
