using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Auditor.Review.Routing;
using Auditor.Server.Accounts;
using Auditor.Storage.Accounts;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Auditor.Server.Tests;

/// <summary>Accounts, login sessions and sample ids for the HTTP tests of review, samples and security.</summary>
public static partial class ServerTestAccounts
{
    public const string ReviewerPassword = "reviewer-test-password";

    public static async Task AddUserAsync(this AuditorApp app, string name, string role = Roles.Reviewer, string password = ReviewerPassword) =>
        Assert.True(await app.Services.GetRequiredService<UserStore>().AddAsync(name, PasswordCheck.Hash(name, password), role, default));

    public static HttpClient BasicClient(this AuditorApp app, string name, string password)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = AuditorApp.Basic(name, password);
        return client;
    }

    /// <summary>Logs in through the form as a browser would; the client keeps the cookie. Returns the login answer.</summary>
    public static async Task<(HttpClient Client, HttpResponseMessage Answer)> LogInAsync(this AuditorApp app, string name, string password, bool https = false)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions
        {
            BaseAddress = new Uri(https ? "https://localhost" : "http://localhost"),
            AllowAutoRedirect = false,
        });
        var token = await TokenAsync(client, "/login");
        var answer = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = name, ["password"] = password, ["__RequestVerificationToken"] = token,
        }));
        return (client, answer);
    }

    /// <summary>The antiforgery token of a page's form.</summary>
    public static async Task<string> TokenAsync(HttpClient client, string page)
    {
        var html = await client.GetStringAsync(page);
        return TokenPattern().Match(html) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException($"No antiforgery token on {page}: {html}");
    }

    /// <summary>The login cookie ("auditor=...") a response set, to be replayed from another client.</summary>
    public static string LoginCookie(HttpResponseMessage answer) =>
        answer.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith("auditor=", StringComparison.Ordinal));

    /// <summary>A client that sends exactly this cookie and keeps none of its own.</summary>
    public static HttpClient WithCookie(this AuditorApp app, string cookie)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        return client;
    }

    /// <summary>A sample id the default routing puts in the uniform stratum (u = 2%), needing one review.</summary>
    public static string UniformId(string prefix)
    {
        for (var i = 0; ; i++)
        {
            var id = $"{prefix}-{i}";
            if (ReviewRouter.UnitHash(id) < 0.02 && ReviewRouter.UnitHash("double:" + id) >= 0.1)
                return id;
        }
    }

    /// <summary>A sample id the default routing leaves out of the uniform stratum.</summary>
    public static string NonUniformId(string prefix)
    {
        for (var i = 0; ; i++)
        {
            var id = $"{prefix}-{i}";
            if (ReviewRouter.UnitHash(id) >= 0.02)
                return id;
        }
    }

    public static AuthenticationHeaderValue Basic(string name, string password) => AuditorApp.Basic(name, password);

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
