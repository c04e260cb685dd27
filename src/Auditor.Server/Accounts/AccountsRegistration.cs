using System.Threading.RateLimiting;
using Auditor.Storage.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;

namespace Auditor.Server.Accounts;

public static class AccountsRegistration
{
    public const string AdminPolicy = "admin";
    public const string LoginRateLimit = "login";
    private const string CookieOrBasic = "cookie-or-basic";

    /// <summary>
    /// Logins: a cookie for the UI, HTTP Basic for scripts, chosen per request by the Authorization header. Every endpoint
    /// needs a user unless it says otherwise (ingestion takes its API key; health and the login page are open).
    /// </summary>
    public static IServiceCollection AddAuditorAccounts(this IServiceCollection services)
    {
        services.AddSingleton<UserStore>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<PasswordCheck>();
        // The antiforgery cookie is Secure on HTTPS too, like the login cookie.
        services.AddAntiforgery(o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);
        services.AddAuthentication(CookieOrBasic)
            .AddPolicyScheme(CookieOrBasic, "Cookie or HTTP Basic", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.ToString().StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)
                    ? BasicAuthenticationHandler.SchemeName
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.LoginPath = "/login";
                o.LogoutPath = "/logout";
                o.AccessDeniedPath = "/denied";
                o.Cookie.Name = "auditor";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                // Secure whenever the request came over HTTPS; plain HTTP (the embedded default on localhost) still works.
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(12);
                o.SlidingExpiration = true;
                // An API caller gets a status code, not a login page.
                o.Events.OnRedirectToLogin = context => ApiAware(context, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = context => ApiAware(context, StatusCodes.Status403Forbidden);
                // Logout, password change and disable end existing sessions (see SessionStamp).
                o.Events.OnValidatePrincipal = SessionStamp.ValidateAsync;
            })
            .AddScheme<AuthenticationSchemeOptions, BasicAuthenticationHandler>(BasicAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(AdminPolicy, p => p.RequireRole(Roles.Admin));
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Say when to come back, as the login lockout does.
            o.OnRejected = (context, _) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait))
                    context.HttpContext.Response.Headers.RetryAfter = LoginThrottle.Seconds(wait);
                return ValueTask.CompletedTask;
            };
            // A flood guard on the login form (every post counts); password guessing itself is LoginThrottle's job.
            o.AddPolicy(LoginRateLimit, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 30, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        services.AddHostedService<FirstAdminService>();
        return services;
    }

    private static Task ApiAware(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}
