using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Auditor.Server.Review;

/// <summary>
/// A browser sends the login cookie with any request, including one a hostile page forges; a JSON API call made
/// with the cookie must therefore carry the antiforgery token (header RequestVerificationToken). HTTP Basic callers
/// are scripts and need none.
/// </summary>
public sealed class CookieCsrfFilter(IAntiforgery antiforgery) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.User.Identity?.AuthenticationType == CookieAuthenticationDefaults.AuthenticationScheme && !await antiforgery.IsRequestValidAsync(http))
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Missing antiforgery token",
                detail: "A request made with the login cookie must carry the antiforgery token; scripts should use HTTP Basic.");
        return await next(context);
    }
}
