using System.Security.Claims;
using Auditor.Storage.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Auditor.Server.Accounts;

/// <summary>
/// A login cookie carries the account's security stamp and is checked against the stored account on every request:
/// a logout, a password change or a disable changes the stamp, so a copy of the cookie (another browser, a stolen one)
/// stops working at once instead of living out its 12-hour sliding ticket. One primary-key read per cookie request.
/// </summary>
public static class SessionStamp
{
    public const string ClaimType = "auditor:stamp";

    public static ClaimsPrincipal Principal(UserAccount user) => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, user.Name), new Claim(ClaimTypes.Role, user.Role), new Claim(ClaimType, user.SecurityStamp)],
        CookieAuthenticationDefaults.AuthenticationScheme));

    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        var name = principal?.Identity?.Name;
        var users = context.HttpContext.RequestServices.GetRequiredService<UserStore>();
        var user = name is null ? null : await users.FindAsync(name, context.HttpContext.RequestAborted);
        if (user is not null && !user.Disabled && principal is not null && principal.FindFirstValue(ClaimType) == user.SecurityStamp && principal.IsInRole(user.Role))
            return;
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }
}
