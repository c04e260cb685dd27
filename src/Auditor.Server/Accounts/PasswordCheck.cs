using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Auditor.Storage.Accounts;
using Microsoft.AspNetCore.Identity;

namespace Auditor.Server.Accounts;

/// <summary>How a login attempt went: the account, or why not (<paramref name="RetryAfter"/> set when locked out).</summary>
public sealed record LoginAttempt(UserAccount? User, TimeSpan? RetryAfter)
{
    public bool LockedOut => RetryAfter is not null;
}

/// <summary>
/// Verifies a name and password against the stored hash (ASP.NET Core's PasswordHasher, PBKDF2), behind the
/// <see cref="LoginThrottle"/>. A disabled account fails like a wrong password. Successful HTTP Basic checks are
/// remembered for a minute by a hash of the credentials, so a script calling the API does not pay the deliberately slow
/// hash on every request; a remembered check still re-reads the account, so a password change or a disable takes
/// effect on the next request.
/// </summary>
public sealed class PasswordCheck(UserStore users, LoginThrottle throttle, TimeProvider clock)
{
    /// <summary>The shortest password accepted anywhere (CLI, AUDITOR_ADMIN_PASSWORD).</summary>
    public const int MinimumLength = 12;

    private static readonly PasswordHasher<string> Hasher = new();
    private static readonly TimeSpan Remember = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _recent = new();

    public static string Hash(string name, string password) => Hasher.HashPassword(name, password);

    /// <summary>Checks the credentials from <paramref name="address"/>, counting a failure against the name and the address.</summary>
    public async Task<LoginAttempt> AttemptAsync(string name, string password, string address, CancellationToken ct)
    {
        if (throttle.RetryAfter(name, address) is { } wait)
            return new LoginAttempt(null, wait);
        var user = await VerifyAsync(name, password, ct);
        if (user is null)
            throttle.Failed(name, address);
        return new LoginAttempt(user, null);
    }

    private async Task<UserAccount?> VerifyAsync(string name, string password, CancellationToken ct)
    {
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(name + "\n" + password)));
        var user = await users.FindAsync(name, ct);
        if (user is null)
        {
            // Same work for an unknown name as for a wrong password: no timing hint about which names exist.
            Hasher.VerifyHashedPassword(name, DummyHash, password);
            return null;
        }
        // Remembered by hash of name, password and the account's stamp: a new password or a disable changes the stamp.
        var rememberKey = key + "\n" + user.SecurityStamp;
        if (!user.Disabled && _recent.TryGetValue(rememberKey, out var until) && until > clock.GetUtcNow())
            return user;
        var result = Hasher.VerifyHashedPassword(name, user.PasswordHash, password);
        if (result == PasswordVerificationResult.Failed || user.Disabled)
            return null;
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
            await users.UpdatePasswordHashAsync(name, Hash(name, password), ct);
        if (_recent.Count > 10_000)
            _recent.Clear(); // bounded: at worst some scripts pay one more hash
        _recent[rememberKey] = clock.GetUtcNow() + Remember;
        return user;
    }

    private static readonly string DummyHash = Hasher.HashPassword("nobody", Guid.NewGuid().ToString());
}
