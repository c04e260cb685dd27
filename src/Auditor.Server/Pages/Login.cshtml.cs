using Auditor.Server.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Auditor.Server.Pages;

[AllowAnonymous]
[EnableRateLimiting(AccountsRegistration.LoginRateLimit)]
public sealed class LoginModel(PasswordCheck passwords) : PageModel
{
    public string? Error { get; private set; }
    public string? Name { get; private set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(string? name, string? password, CancellationToken ct)
    {
        Name = name;
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(password))
        {
            Error = "Unknown name or wrong password.";
            return Page();
        }
        var attempt = await passwords.AttemptAsync(name, password, LoginThrottle.AddressOf(HttpContext), ct);
        if (attempt.RetryAfter is { } wait)
        {
            Error = $"Too many failed logins for this name or from this address: try again in {LoginThrottle.Seconds(wait)} seconds.";
            Response.Headers.RetryAfter = LoginThrottle.Seconds(wait);
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Page();
        }
        if (attempt.User is not { } user)
        {
            Error = "Unknown name or wrong password.";
            return Page();
        }
        // The stamp claim lets logout, a password change or a disable end this session (SessionStamp).
        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, SessionStamp.Principal(user));
        // Only a local path: a crafted returnUrl must not send the reviewer elsewhere.
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
    }
}
