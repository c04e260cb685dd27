using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Auditor.Storage.Accounts;
using Microsoft.AspNetCore.Identity;

namespace Auditor.Server.Accounts;

/// <summary>
/// Verifies a name and password against the stored hash (ASP.NET Core's PasswordHasher, PBKDF2). Successful HTTP Basic
/// checks are remembered for a minute by a hash of the credentials, so a script calling the API does not pay the
/// deliberately slow hash on every request.
/// </summary>
public sealed class PasswordCheck(UserStore users, TimeProvider clock)
{
    private static readonly PasswordHasher<string> Hasher = new();
    private static readonly TimeSpan Remember = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, (UserAccount User, DateTimeOffset Until)> _recent = new();

    public static string Hash(string name, string password) => Hasher.HashPassword(name, password);

    public async Task<UserAccount?> VerifyAsync(string name, string password, CancellationToken ct)
    {
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(name + "\n" + password)));
        if (_recent.TryGetValue(key, out var hit) && hit.Until > clock.GetUtcNow())
            return hit.User;

        var user = await users.FindAsync(name, ct);
        if (user is null)
        {
            // Same work for an unknown name as for a wrong password: no timing hint about which names exist.
            Hasher.VerifyHashedPassword(name, DummyHash, password);
            return null;
        }
        var result = Hasher.VerifyHashedPassword(name, user.PasswordHash, password);
        if (result == PasswordVerificationResult.Failed)
            return null;
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
            await users.UpdatePasswordHashAsync(name, Hash(name, password), ct);
        _recent[key] = (user, clock.GetUtcNow() + Remember);
        return user;
    }

    private static readonly string DummyHash = Hasher.HashPassword("nobody", Guid.NewGuid().ToString());
}
