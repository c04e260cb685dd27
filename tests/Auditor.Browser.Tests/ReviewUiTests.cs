using System.Text.RegularExpressions;
using Auditor.Contracts;
using Auditor.Review.Routing;
using Auditor.Testing;
using Microsoft.Playwright;

namespace Auditor.Browser.Tests;

/// <summary>The review UI in a real browser: login, keyboard review, blind mode, hostile output, CSRF.</summary>
public sealed partial class ReviewUiTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly KestrelApp _app = new();
    private IBrowserContext _context = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        _context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _app.BaseUrl });
        _page = await _context.NewPageAsync();
        _page.SetDefaultTimeout(30_000);
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        await _app.DisposeAsync();
    }

    private async Task LogInWithKeyboardAsync()
    {
        await _page.GotoAsync("/login");
        // Autofocus may land after the first keystrokes on a busy machine: focus the field before typing.
        await _page.FocusAsync("input[name=name]");
        await _page.Keyboard.TypeAsync("admin");
        await _page.Keyboard.PressAsync("Tab");
        await _page.Keyboard.TypeAsync(KestrelApp.AdminPassword);
        await _page.Keyboard.PressAsync("Enter");
        await _page.WaitForURLAsync(_app.BaseUrl.TrimEnd('/') + "/");
    }

    private static OutputSample Truncated(string text) => TestSamples.Valid(output: text) with { FinishReason = "length" };

    [Fact]
    public async Task A_page_without_login_redirects_to_login()
    {
        await _page.GotoAsync("/samples");

        Assert.Matches(LoginRedirect(), _page.Url);
        Assert.Equal(1, await _page.Locator("input[name=password]").CountAsync());
    }

    [Fact]
    public async Task With_one_key_review_off_a_reviewer_reviews_five_items_with_two_keys_each_and_they_are_saved()
    {
        await _app.SeedAsync(ReviewStratum.Uniform, Enumerable.Range(0, 5).Select(i => TestSamples.Valid(output: $"Answer number {i}: the invoice is due on the 5th.")).ToArray());
        await LogInWithKeyboardAsync();
        await _page.ClickAsync("[data-testid=one-key] button");
        await _page.Locator("[data-testid=one-key]:has-text('is off')").WaitForAsync();

        string[] keys = ["o", "1", "u", "2", "o"];
        await _page.Keyboard.PressAsync("n");
        foreach (var key in keys)
        {
            await _page.Locator("[data-testid=verdict-form]").WaitForAsync();
            await _page.Keyboard.PressAsync(key);
            await _page.Locator("[data-testid=decided]").WaitForAsync();
            await _page.Keyboard.PressAsync("n");
        }

        await _page.Locator(".message").WaitForAsync();
        Assert.Contains("Nothing waits", await _page.Locator(".message").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(5, await _app.VerdictsByAsync("admin"));
        Assert.Contains("5", await _page.Locator(".progress").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Blind_mode_hides_detector_results_until_the_verdict()
    {
        await _app.SeedAsync(ReviewStratum.Uniform, Truncated("The steps are: first open settings, then"));
        await LogInWithKeyboardAsync();

        await _page.Keyboard.PressAsync("n");
        await _page.Locator("[data-testid=verdict-form]").WaitForAsync();

        Assert.Equal(0, await _page.Locator("[data-testid=detectors]").CountAsync());
        Assert.Equal(0, await _page.Locator("pre.output mark").CountAsync());
        Assert.True(await _page.Locator("[data-testid=blind-note]").IsVisibleAsync());

        await _page.Keyboard.PressAsync("2");
        // One-key review (the default): the queue is empty now; the detectors are one key away, on request.
        await _page.Locator("[data-testid=previous]").WaitForAsync();
        Assert.Equal(0, await _page.Locator("[data-testid=detectors]").CountAsync());
        await _page.Keyboard.PressAsync("p");
        await _page.Locator("[data-testid=decided]").WaitForAsync();

        Assert.True(await _page.Locator("[data-testid=detectors]").IsVisibleAsync());
        Assert.Contains("truncation", await _page.Locator("[data-testid=detectors]").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("failure · truncation", await _page.Locator("[data-testid=my-verdict]").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hostile_output_renders_as_text_and_runs_nothing()
    {
        const string hostile = "Sure! <script>window.__pwned = 1</script> <img src=x onerror=\"window.__pwned = 2\"> " +
            "<a href=\"javascript:window.__pwned = 3\">click me</a> <iframe src=\"javascript:alert(1)\"></iframe>";
        var dialogs = 0;
        _page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };
        // Flagged stratum: not blind, so the evidence marks are rendered around the hostile text too.
        var sample = (await _app.SeedAsync(ReviewStratum.Flagged, Truncated(hostile)))[0];
        await LogInWithKeyboardAsync();

        await _page.Keyboard.PressAsync("n");
        await _page.Locator("[data-testid=verdict-form]").WaitForAsync();
        var link = _page.GetByText("click me");
        if (await link.CountAsync() > 0)
            await link.First.ClickAsync(new LocatorClickOptions { Timeout = 2000 });
        await _page.GotoAsync($"/samples/{sample.SampleId}");

        Assert.Equal(hostile, await _page.Locator("pre.output").First.TextContentAsync());
        Assert.Equal(0, await _page.Locator("pre.output script, pre.output img, pre.output a, pre.output iframe").CountAsync());
        Assert.True(await _page.Locator("pre.output mark").CountAsync() > 0, "the evidence is highlighted");
        Assert.Null(await _page.EvaluateAsync<int?>("() => window.__pwned ?? null"));
        Assert.Equal(0, dialogs);
    }

    [Fact]
    public async Task A_form_without_its_CSRF_token_is_refused()
    {
        await _app.SeedAsync(ReviewStratum.Uniform, TestSamples.Valid());
        await LogInWithKeyboardAsync();
        await _page.Keyboard.PressAsync("n");
        await _page.Locator("[data-testid=verdict-form]").WaitForAsync();
        var itemUrl = _page.Url;

        // The same post the form makes, with the login cookie but without the antiforgery token.
        var forged = await _context.APIRequest.PostAsync(itemUrl + "?handler=Verdict",
            new APIRequestContextOptions { Form = _context.APIRequest.CreateFormData().Append("choice", "ok"), MaxRedirects = 0 });
        var forgedApi = await _context.APIRequest.PostAsync("/api/v1/review/claim", new APIRequestContextOptions { MaxRedirects = 0 });

        Assert.Equal(400, forged.Status);
        Assert.Equal(400, forgedApi.Status);
        Assert.Equal(0, await _app.VerdictsByAsync("admin"));
    }

    [GeneratedRegex("/login\\?ReturnUrl=%2Fsamples$")]
    private static partial Regex LoginRedirect();
}
