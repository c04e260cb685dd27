using Auditor.Contracts;
using Auditor.Review.Routing;
using Auditor.Testing;
using Microsoft.Playwright;

namespace Auditor.Browser.Tests;

/// <summary>Every page on a 390 px phone screen and in the dark colour scheme, in a real browser.</summary>
public sealed class LayoutTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly KestrelApp _app = new();

    private static readonly string[] Pages = ["/", "/samples", "/streams", "/incidents", "/reports", "/thresholds"];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task No_page_overflows_a_390_px_screen()
    {
        var seeded = await SeedAsync();
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = _app.BaseUrl, ViewportSize = new ViewportSize { Width = 390, Height = 844 },
        });
        var page = await LogInAsync(context);

        foreach (var path in Pages.Append($"/samples/{seeded.SampleId}"))
        {
            await page.GotoAsync(path);
            var (scroll, viewport) = await WidthsAsync(page);
            Assert.True(scroll <= viewport, $"{path} is {scroll} px wide on a {viewport} px screen");
            await ScreenshotAsync(page, "narrow" + path.Replace('/', '-').TrimEnd('-'));
        }
        // The review item with its long unbroken output.
        await page.GotoAsync("/");
        await page.Keyboard.PressAsync("n");
        await page.Locator("[data-testid=verdict-form]").WaitForAsync();
        var (itemScroll, itemViewport) = await WidthsAsync(page);
        Assert.True(itemScroll <= itemViewport, $"the review item is {itemScroll} px wide on a {itemViewport} px screen");
    }

    [Fact]
    public async Task Pages_follow_a_dark_colour_scheme()
    {
        await SeedAsync();
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = _app.BaseUrl, ColorScheme = ColorScheme.Dark,
        });
        var page = await LogInAsync(context);

        foreach (var path in Pages)
        {
            await page.GotoAsync(path);
            var background = await LuminanceAsync(page, "body", "backgroundColor");
            var text = await LuminanceAsync(page, "body", "color");
            Assert.True(background < 0.1, $"{path}: background luminance {background:0.00} in the dark scheme");
            Assert.True(text > 0.5, $"{path}: text luminance {text:0.00} in the dark scheme");
            await ScreenshotAsync(page, "dark" + path.Replace('/', '-').TrimEnd('-'));
        }
    }

    private async Task<OutputSample> SeedAsync()
    {
        // A long unbroken token (a URL, a hash) is what widens pages on a small screen.
        var wide = TestSamples.Valid(output: "See https://example.test/" + new string('x', 400) + " for details.") with { FinishReason = "length" };
        await _app.SeedAsync(ReviewStratum.Uniform, wide);
        return wide;
    }

    private static async Task<(int Scroll, int Viewport)> WidthsAsync(IPage page)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        return (widths[0], widths[1]);
    }

    private static Task<double> LuminanceAsync(IPage page, string selector, string property) =>
        page.EvaluateAsync<double>("""
            ([selector, property]) => {
              const [r, g, b] = getComputedStyle(document.querySelector(selector))[property].match(/\d+(\.\d+)?/g).slice(0, 3).map(Number)
                .map(c => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); });
              return 0.2126 * r + 0.7152 * g + 0.0722 * b;
            }
            """, new[] { selector, property });

    private async Task<IPage> LogInAsync(IBrowserContext context)
    {
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync("/login");
        await page.FillAsync("input[name=name]", "admin");
        await page.FillAsync("input[name=password]", KestrelApp.AdminPassword);
        await page.PressAsync("input[name=password]", "Enter");
        await page.WaitForURLAsync(_app.BaseUrl.TrimEnd('/') + "/");
        return page;
    }

    /// <summary>Screenshots for docs/screenshots when AUDITOR_SCREENSHOTS names a folder; nothing otherwise.</summary>
    private static async Task ScreenshotAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("AUDITOR_SCREENSHOTS") is { Length: > 0 } folder)
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name.TrimStart('-') + ".png"), FullPage = true });
    }
}
