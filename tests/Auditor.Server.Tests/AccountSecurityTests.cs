using System.Net;
using Auditor.Server.Accounts;
using Auditor.Storage.Accounts;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Auditor.Server.Tests;

/// <summary>Login lockout, sessions that end, Secure cookies, minimum secret lengths, disabled accounts: through HTTP.</summary>
public sealed class AccountSecurityTests : IAsyncLifetime
{
    private readonly AuditorApp _app = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private UserStore Users => _app.Services.GetRequiredService<UserStore>();

    [Fact]
    public async Task Basic_locks_a_name_out_after_ten_failed_attempts_with_429_and_retry_after_even_for_the_right_password()
    {
        var wrong = _app.BasicClient("admin", "not-the-password");
        for (var i = 0; i < LoginThrottle.UserFailures; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/v1/streams")).StatusCode);

        var locked = await wrong.GetAsync("/api/v1/streams");
        var right = await _app.BasicClient("admin", AuditorApp.AdminPassword).GetAsync("/api/v1/streams");

        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.True(locked.Headers.RetryAfter?.Delta is { TotalSeconds: > 0 and <= 900 }, $"Retry-After: {locked.Headers.RetryAfter}");
        Assert.Equal("application/problem+json", locked.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
    }

    [Fact]
    public async Task A_script_with_the_right_password_is_never_slowed()
    {
        var script = _app.BasicClient("admin", AuditorApp.AdminPassword);
        for (var i = 0; i < 3 * LoginThrottle.AddressFailures; i++)
            Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("/api/v1/streams")).StatusCode);
    }

    [Fact]
    public async Task One_address_guessing_many_names_is_locked_out()
    {
        // Three failures per name stay under the per-name limit; the address's own limit stops them.
        for (var i = 0; i < LoginThrottle.AddressFailures; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await _app.BasicClient($"name{i / 3}", "guess").GetAsync("/api/v1/streams")).StatusCode);

        var next = await _app.BasicClient("another-name", "guess").GetAsync("/api/v1/streams");

        Assert.Equal(HttpStatusCode.TooManyRequests, next.StatusCode);
        Assert.NotNull(next.Headers.RetryAfter);
    }

    [Fact]
    public async Task The_login_form_locks_a_name_out_after_ten_failed_attempts()
    {
        for (var i = 0; i < LoginThrottle.UserFailures; i++)
            Assert.Equal(HttpStatusCode.OK, (await _app.LogInAsync("admin", "wrong-password")).Answer.StatusCode);

        var (_, locked) = await _app.LogInAsync("admin", AuditorApp.AdminPassword);

        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.NotNull(locked.Headers.RetryAfter);
        Assert.Contains("Too many failed logins", await locked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logging_out_ends_every_copy_of_the_session_cookie()
    {
        var (browser, login) = await _app.LogInAsync("admin", AuditorApp.AdminPassword);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var copy = _app.WithCookie(ServerTestAccounts.LoginCookie(login));
        Assert.Equal(HttpStatusCode.OK, (await copy.GetAsync("/api/v1/streams")).StatusCode);

        var token = await ServerTestAccounts.TokenAsync(browser, "/");
        var logout = await browser.PostAsync("/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));

        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await copy.GetAsync("/api/v1/streams")).StatusCode);
    }

    [Fact]
    public async Task A_password_change_ends_sessions_and_the_old_password_for_basic()
    {
        await _app.AddUserAsync("paula");
        var (_, login) = await _app.LogInAsync("paula", ServerTestAccounts.ReviewerPassword);
        var session = _app.WithCookie(ServerTestAccounts.LoginCookie(login));
        var oldBasic = _app.BasicClient("paula", ServerTestAccounts.ReviewerPassword);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/api/v1/streams")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await oldBasic.GetAsync("/api/v1/streams")).StatusCode); // now remembered for a minute

        Assert.True(await Users.ChangePasswordAsync("paula", PasswordCheck.Hash("paula", "a-brand-new-password"), default));

        Assert.Equal(HttpStatusCode.Unauthorized, (await session.GetAsync("/api/v1/streams")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await oldBasic.GetAsync("/api/v1/streams")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _app.BasicClient("paula", "a-brand-new-password").GetAsync("/api/v1/streams")).StatusCode);
    }

    [Fact]
    public async Task A_disabled_user_cannot_log_in_by_cookie_or_basic_and_their_sessions_end_until_enabled()
    {
        await _app.AddUserAsync("dora");
        var (_, login) = await _app.LogInAsync("dora", ServerTestAccounts.ReviewerPassword);
        var session = _app.WithCookie(ServerTestAccounts.LoginCookie(login));
        var basic = _app.BasicClient("dora", ServerTestAccounts.ReviewerPassword);
        Assert.Equal(HttpStatusCode.OK, (await basic.GetAsync("/api/v1/streams")).StatusCode);

        Assert.True(await Users.SetDisabledAsync("dora", true, default));

        Assert.Equal(HttpStatusCode.Unauthorized, (await session.GetAsync("/api/v1/streams")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await basic.GetAsync("/api/v1/streams")).StatusCode);
        var (_, refused) = await _app.LogInAsync("dora", ServerTestAccounts.ReviewerPassword);
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode); // the form again, with its error: no cookie
        Assert.False(refused.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("auditor=", StringComparison.Ordinal)));

        Assert.True(await Users.SetDisabledAsync("dora", false, default));
        Assert.Equal(HttpStatusCode.OK, (await basic.GetAsync("/api/v1/streams")).StatusCode);
    }

    [Fact]
    public async Task Cookies_are_secure_over_https_and_not_over_http()
    {
        var (_, secureLogin) = await _app.LogInAsync("admin", AuditorApp.AdminPassword, https: true);
        var (_, plainLogin) = await _app.LogInAsync("admin", AuditorApp.AdminPassword);
        var antiforgery = await _app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost") }).GetAsync("/login");

        Assert.Contains(secureLogin.Headers.GetValues("Set-Cookie"), c => c.StartsWith("auditor=", StringComparison.Ordinal) && c.Contains("secure", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(antiforgery.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal) && c.Contains("secure", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(plainLogin.Headers.GetValues("Set-Cookie"), c => c.Contains("secure", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("Auditor:Ingest:ApiKeys:0", "short-key", "Auditor__Ingest__ApiKeys__0")]
    [InlineData("AUDITOR_ADMIN_PASSWORD", "x", "AUDITOR_ADMIN_PASSWORD")]
    public async Task A_short_configured_secret_stops_the_server_at_start_naming_the_setting(string key, string value, string named)
    {
        await using var app = new AuditorApp(new() { [key] = value });

        var failure = Record.Exception(() => app.CreateClient());

        Assert.NotNull(failure);
        Assert.Contains(named, failure.ToString(), StringComparison.Ordinal);
    }
}
