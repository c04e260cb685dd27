using System.Collections.Concurrent;

namespace Auditor.Server.Accounts;

/// <summary>
/// Password guessing, by HTTP Basic or the login form, is refused after too many failed attempts: per account name
/// (<see cref="UserFailures"/> in <see cref="Window"/>) and per client address (<see cref="AddressFailures"/> in the
/// same window, so one address cannot try many names). Only failures count: a script sending the right password is
/// never slowed. While a name or address is locked, every attempt for it is answered 429 with Retry-After before any
/// password is hashed, so guessing costs the server no PBKDF2 work either. The lock lifts when the oldest failure
/// leaves the window. Counts live in this process (each server process counts on its own) and are bounded.
/// </summary>
public sealed class LoginThrottle(TimeProvider clock)
{
    public const int UserFailures = 10;
    public const int AddressFailures = 30;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    // Past this many keys, expired ones are swept before a new one is added.
    private const int SweepAbove = 10_000;

    private readonly ConcurrentDictionary<string, Failures> _failures = new(StringComparer.Ordinal);

    /// <summary>How long the caller must wait before trying this name from this address; null when it may try now.</summary>
    public TimeSpan? RetryAfter(string user, string address)
    {
        var now = clock.GetUtcNow();
        var wait = Max(Locked(UserKey(user), UserFailures, now), Locked(AddressKey(address), AddressFailures, now));
        return wait;
    }

    /// <summary>Counts one failed attempt (unknown name, wrong password, disabled account) against the name and the address.</summary>
    public void Failed(string user, string address)
    {
        var now = clock.GetUtcNow();
        if (_failures.Count > SweepAbove)
            Sweep(now);
        _failures.GetOrAdd(UserKey(user), _ => new Failures()).Add(now, Window);
        _failures.GetOrAdd(AddressKey(address), _ => new Failures()).Add(now, Window);
    }

    /// <summary>The client address as the server sees it (behind a proxy, configure forwarded headers so this is the client).</summary>
    public static string AddressOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>Whole seconds for a Retry-After header, at least 1.</summary>
    public static string Seconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private TimeSpan? Locked(string key, int limit, DateTimeOffset now) =>
        _failures.TryGetValue(key, out var failures) ? failures.WaitIfAtLeast(limit, now, Window) : null;

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, failures) in _failures)
            if (failures.Expired(now, Window))
                _failures.TryRemove(key, out _);
    }

    // Names are case-sensitive logins, but lower-casing here stops "Admin" and "admin" from being two budgets.
    private static string UserKey(string user) => "u:" + user.ToLowerInvariant();

    private static string AddressKey(string address) => "a:" + address;

    private static TimeSpan? Max(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a > b ? a : b;

    /// <summary>Times of the failures still inside the window, oldest first.</summary>
    private sealed class Failures
    {
        private readonly Queue<DateTimeOffset> _times = new();

        public void Add(DateTimeOffset now, TimeSpan window)
        {
            lock (_times)
            {
                Trim(now, window);
                _times.Enqueue(now);
            }
        }

        public TimeSpan? WaitIfAtLeast(int limit, DateTimeOffset now, TimeSpan window)
        {
            lock (_times)
            {
                Trim(now, window);
                if (_times.Count < limit)
                    return null;
                // Locked until enough failures have left the window to bring the count below the limit.
                return _times.ElementAt(_times.Count - limit) + window - now;
            }
        }

        public bool Expired(DateTimeOffset now, TimeSpan window)
        {
            lock (_times)
            {
                Trim(now, window);
                return _times.Count == 0;
            }
        }

        private void Trim(DateTimeOffset now, TimeSpan window)
        {
            while (_times.Count > 0 && _times.Peek() <= now - window)
                _times.Dequeue();
        }
    }
}
