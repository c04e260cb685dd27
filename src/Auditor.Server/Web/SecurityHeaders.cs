namespace Auditor.Server.Web;

/// <summary>
/// Defence in depth for pages that show hostile model output: even if something slipped through HTML encoding,
/// no inline script, plugin, framing or foreign origin may run.
/// </summary>
public static class SecurityHeaders
{
    private const string Policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    public static IApplicationBuilder UseAuditorSecurityHeaders(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = Policy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        await next();
    });
}
