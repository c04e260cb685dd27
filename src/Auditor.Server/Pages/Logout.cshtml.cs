using Auditor.Storage.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Auditor.Server.Pages;

/// <summary>
/// POST only (with its antiforgery token), so a link on another site cannot log a reviewer out. Logging out ends every
/// session of the account (a new security stamp), so a copied cookie stops working too.
/// </summary>
public sealed class LogoutModel(UserStore users) : PageModel
{
    public IActionResult OnGet() => Redirect("/");

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (User.Identity?.Name is { } name)
            await users.EndSessionsAsync(name, ct);
        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return Redirect("/login");
    }
}
