using System.Security.Claims;
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
        var user = string.IsNullOrEmpty(name) || string.IsNullOrEmpty(password) ? null : await passwords.VerifyAsync(name, password, ct);
        if (user is null)
        {
            Error = "Unknown name or wrong password.";
            return Page();
        }
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, user.Name), new Claim(ClaimTypes.Role, user.Role)],
            CookieAuthenticationDefaults.AuthenticationScheme);
        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        // Only a local path: a crafted returnUrl must not send the reviewer elsewhere.
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
    }
}
