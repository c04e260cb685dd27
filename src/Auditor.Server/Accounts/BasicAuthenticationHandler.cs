using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Accounts;

/// <summary>
/// HTTP Basic credentials of a user, for scripts and the CLI calling the read and admin APIs. Failed attempts count
/// towards the <see cref="LoginThrottle"/>; a locked-out name or address is answered 429 with Retry-After.
/// </summary>
public sealed class BasicAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, PasswordCheck passwords)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Basic";
    private const string LockoutItem = "auditor.basic.retry-after";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.NoResult();
        string decoded;
        try
        {
            decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return AuthenticateResult.Fail("The Basic credentials are not valid base64 of UTF-8 text.");
        }
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
            return AuthenticateResult.Fail("The Basic credentials must be name:password.");
        var attempt = await passwords.AttemptAsync(decoded[..colon], decoded[(colon + 1)..], LoginThrottle.AddressOf(Context), Context.RequestAborted);
        if (attempt.RetryAfter is { } wait)
        {
            Context.Items[LockoutItem] = wait;
            return AuthenticateResult.Fail("Too many failed logins: locked out for a while.");
        }
        if (attempt.User is not { } user)
            return AuthenticateResult.Fail("Unknown user or wrong password.");
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, user.Name), new Claim(ClaimTypes.Role, user.Role)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items[LockoutItem] is TimeSpan wait)
        {
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = LoginThrottle.Seconds(wait);
            await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed logins",
                detail: $"Too many failed logins for this name or from this address; try again in {LoginThrottle.Seconds(wait)} s.").ExecuteAsync(Context);
            return;
        }
        Response.Headers.WWWAuthenticate = "Basic realm=\"auditor\", charset=\"UTF-8\"";
        await base.HandleChallengeAsync(properties);
    }
}
