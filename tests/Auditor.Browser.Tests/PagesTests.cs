using Auditor.Contracts;
using Auditor.Review.Reports;
using Auditor.Review.Routing;
using Auditor.Testing;
using Microsoft.Playwright;

namespace Auditor.Browser.Tests;

/// <summary>The samples search, the streams, thresholds and reports pages in a real browser against the real server.</summary>
public sealed class PagesTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string Phrase = "quarterly migration window";
    private readonly KestrelApp _app = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static OutputSample Sample(int minutesAgo, string output, string deployment = "h100-fp8") =>
        TestSamples.Valid(output: output) with { OccurredAt = DateTimeOffset.UtcNow.AddMinutes(-minutesAgo), Deployment = deployment };

    private async Task SeedAsync()
    {
        // 30 outputs hold the phrase (18 on one deployment, 12 on another), 5 hold its words apart, 5 hold none of it.
        var withPhrase = Enumerable.Range(0, 30).Select(i => Sample(i + 1,
            $"Answer {i}: the {Phrase} closes at noon, " + string.Join(' ', Enumerable.Repeat("and the plan continues", 20)) + ".",
            i < 18 ? "h100-fp8" : "h100-bf16")).ToArray();
        var apart = Enumerable.Range(0, 5).Select(i => Sample(40 + i, "The window of the quarterly plan covers a migration.")).ToArray();
        var other = Enumerable.Range(0, 5).Select(i => Sample(50 + i, "Paris is the capital of France.")).ToArray();
        await _app.SeedAsync(ReviewStratum.Flagged, withPhrase.Concat(apart).Concat(other).ToArray());
    }

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

    private async Task<IPage> OpenAsync(ColorScheme scheme = ColorScheme.Light)
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = _app.BaseUrl, ColorScheme = scheme, ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        return await LogInAsync(context);
    }

    [Fact]
    public async Task Samples_search_finds_a_phrase_and_pages_through_it()
    {
        await SeedAsync();
        var page = await OpenAsync();
        await page.GotoAsync("/samples");

        await page.FillAsync("input[name=q]", $"\"{Phrase}\"");
        await page.ClickAsync("form[data-testid=filters] button[type=submit]");
        await page.WaitForURLAsync("**/samples?q=*");

        Assert.Equal("Rows 1-25 of 30, newest first.", await page.InnerTextAsync("[data-testid=range]"));
        Assert.Equal(25, await page.Locator("[data-testid=results] tbody tr").CountAsync());
        Assert.Equal(Phrase, (await page.Locator("[data-testid=snippet] mark.hit").First.InnerTextAsync()).ToLowerInvariant());
        // The snippet is cut at a word boundary and marked as cut.
        var snippet = await page.Locator("[data-testid=snippet]").First.InnerTextAsync();
        Assert.EndsWith("…", snippet, StringComparison.Ordinal);
        Assert.Matches(@"(continues|and|the|plan)…$", snippet);

        await page.ClickAsync("[data-testid=next]");
        await page.WaitForURLAsync("**p=2*");
        Assert.Equal("Rows 26-30 of 30, newest first.", await page.InnerTextAsync("[data-testid=range]"));
        Assert.Equal(5, await page.Locator("[data-testid=results] tbody tr").CountAsync());
        Assert.Equal($"\"{Phrase}\"", await page.InputValueAsync("input[name=q]"));
    }

    [Fact]
    public async Task Filters_chosen_from_lists_narrow_the_search()
    {
        await SeedAsync();
        var page = await OpenAsync();
        await page.GotoAsync("/samples");
        Assert.Equal("Rows 1-25 of 40, newest first.", await page.InnerTextAsync("[data-testid=range]"));

        await page.SelectOptionAsync("select[name=deployment]", "h100-bf16");
        await page.ClickAsync("form[data-testid=filters] button[type=submit]");
        await page.WaitForURLAsync("**deployment=h100-bf16*");

        Assert.Equal("Rows 1-12 of 12, newest first.", await page.InnerTextAsync("[data-testid=range]"));
        var deployments = await page.Locator("[data-testid=results] tbody tr td:nth-child(3)").AllInnerTextsAsync();
        Assert.All(deployments, d => Assert.Equal("h100-bf16", d));

        await page.SelectOptionAsync("select[name=deployment]", "");
        await page.FillAsync("input[name=q]", "capital France");
        await page.ClickAsync("form[data-testid=filters] button[type=submit]");
        await page.WaitForURLAsync("**q=capital*");
        Assert.Equal("Rows 1-5 of 5, newest first.", await page.InnerTextAsync("[data-testid=range]"));
        Assert.Contains("stored of", await page.InnerTextAsync("[data-testid=stored-line]"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hostile_output_in_a_snippet_is_shown_as_text_and_runs_nothing()
    {
        var hostile = Sample(1, "Find me: <script>window.__pwned = 1</script> <img src=x onerror=\"window.__pwned = 2\"> done");
        await _app.SeedAsync(ReviewStratum.Flagged, hostile);
        var page = await OpenAsync();

        await page.GotoAsync("/samples?q=" + Uri.EscapeDataString("find me"));

        var text = await page.Locator("[data-testid=snippet]").First.InnerTextAsync();
        Assert.Contains("<script>window.__pwned = 1</script>", text, StringComparison.Ordinal);
        Assert.Contains("<img src=x onerror=\"window.__pwned = 2\">", text, StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("[data-testid=results] img, [data-testid=results] script").CountAsync());
        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__pwned"));
    }

    [Fact]
    public async Task Stream_rows_link_to_the_streams_samples_and_review_queue()
    {
        await SeedAsync();
        var page = await OpenAsync();
        await page.GotoAsync("/streams");

        Assert.Equal(2, await page.Locator("[data-testid=deployment-row]").CountAsync());
        Assert.EndsWith("of 40)", await page.Locator("[data-testid=rate-day]").First.InnerTextAsync(), StringComparison.Ordinal);
        Assert.EndsWith("of 28)", await page.Locator("[data-testid=deployment-row] [data-testid=rate-hour]").Last.InnerTextAsync(), StringComparison.Ordinal);
        var review = await page.Locator("[data-testid=stream-review]").First.GetAttributeAsync("href");
        Assert.Equal("/?model=llama-3.1-8b-instruct&route=chat%2Fanswer", review);
        // The link opens the queue with its scope chosen: the stream's model and route are selected in the scope form.
        await page.ClickAsync("[data-testid=stream-review]");
        await page.WaitForURLAsync("**/?model=*");
        Assert.Equal("llama-3.1-8b-instruct", await page.InputValueAsync("[data-testid=scope-form] select[name=model]"));
        Assert.Equal("chat/answer", await page.InputValueAsync("[data-testid=scope-form] select[name=route]"));
        await page.GotoAsync("/streams");

        await page.ClickAsync("[data-testid=stream-samples]");
        await page.WaitForURLAsync("**/samples?stream=*");
        Assert.Equal("Rows 1-25 of 40, newest first.", await page.InnerTextAsync("[data-testid=range]"));
        Assert.Equal("llama-3.1-8b-instruct/chat%2Fanswer", await page.InputValueAsync("select[name=stream]"));
    }

    [Fact]
    public async Task Reports_open_on_the_current_week_marked_partial_and_the_download_keeps_its_stylesheet()
    {
        await SeedAsync();
        var page = await OpenAsync();
        await page.GotoAsync("/reports");

        var current = IsoWeek.Of(DateTimeOffset.UtcNow).ToString();
        Assert.Equal(current, await page.GetAttributeAsync("article.report", "data-week"));
        Assert.True(await page.Locator("[data-testid=partial]").IsVisibleAsync());
        Assert.Equal(current, await page.InputValueAsync("select[name=week]"));

        // The standalone file: its own policy allows its stylesheet (applied: the body is narrowed) and nothing else.
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text); };
        await page.GotoAsync("/api/v1/reports/weekly.html?week=" + current);
        Assert.Equal("960px", await page.EvaluateAsync<string>("() => getComputedStyle(document.body).maxWidth"));
        Assert.DoesNotContain(errors, e => e.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Reviews every waiting item over the HTTP API as an admin script would: outputs with the phrase are failures.</summary>
    private async Task ReviewAllAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_app.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("admin:" + KestrelApp.AdminPassword)));
        while (true)
        {
            var claim = await http.PostAsync("/api/v1/review/claim", null);
            if (claim.StatusCode == System.Net.HttpStatusCode.NoContent)
                return;
            var item = System.Text.Json.JsonDocument.Parse(await claim.Content.ReadAsStringAsync()).RootElement;
            var failure = item.GetProperty("sample").GetProperty("output").GetString()!.Contains(Phrase, StringComparison.Ordinal);
            var verdict = await http.PostAsync($"/api/v1/review/{item.GetProperty("itemId").GetInt64()}/verdict", new StringContent(
                failure ? """{"verdict":"failure","category":"degeneration"}""" : """{"verdict":"ok"}""", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(System.Net.HttpStatusCode.OK, verdict.StatusCode);
        }
    }

    [Fact]
    public async Task Pages_render_in_light_and_dark_and_thresholds_show_labels_against_the_minimum()
    {
        await SeedAsync();
        await ReviewAllAsync();
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            var page = await OpenAsync(scheme);
            foreach (var (path, shows) in new[] { ("/samples?q=" + Uri.EscapeDataString(Phrase), "mark.hit"), ("/streams", "[data-testid=trend]"),
                         ("/thresholds", "[data-testid=calibration], [data-testid=calibration-none]"), ("/reports", "article.report svg") })
            {
                var response = await page.GotoAsync(path);
                Assert.Equal(200, response!.Status);
                Assert.True(await page.Locator(shows).First.IsVisibleAsync(), $"{path} shows {shows}");
                await ScreenshotAsync(page, $"{path.TrimStart('/').Split('?')[0]}-{(scheme == ColorScheme.Dark ? "dark" : "light")}");
            }
        }
        var page2 = await OpenAsync();
        await page2.GotoAsync("/thresholds");
        var degeneration = page2.Locator("[data-testid=calibration-row]", new PageLocatorOptions { HasText = "degeneration" });
        var cells = await degeneration.Locator("td").AllInnerTextsAsync();
        Assert.Equal("propose", cells[2]);
        Assert.Equal("40 of 50", cells[5]);
        Assert.Equal("30 of 5", cells[6]);
        // Every phrase output was flagged by degeneration and judged a failure; the others were ok and not flagged.
        Assert.Equal("100 % → same", cells[7]);
        Assert.Equal("100 % → same", cells[8]);
    }

    [Fact]
    public async Task The_other_pages_render_in_light_and_dark_too()
    {
        await SeedAsync();
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            var suffix = scheme == ColorScheme.Dark ? "dark" : "light";
            var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
            {
                BaseURL = _app.BaseUrl, ColorScheme = scheme, ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            });
            var login = await context.NewPageAsync();
            Assert.Equal(200, (await login.GotoAsync("/login"))!.Status);
            Assert.True(await login.Locator("input[name=password]").IsVisibleAsync());
            await ScreenshotAsync(login, $"login-{suffix}");
            await login.CloseAsync();

            var page = await LogInAsync(context);
            await page.GotoAsync("/samples");
            var detail = await page.Locator("[data-testid=results] a[href^='/samples/']").First.GetAttributeAsync("href");
            foreach (var (path, name, shows) in new[] { ("/", "queue", "[data-testid=scope-form]"), (detail!, "sample", "pre.output"),
                         ("/incidents", "incidents", "h1"), ("/rejected", "rejected", "h1") })
            {
                Assert.Equal(200, (await page.GotoAsync(path))!.Status);
                Assert.True(await page.Locator(shows).First.IsVisibleAsync(), $"{path} shows {shows}");
                await ScreenshotAsync(page, $"{name}-{suffix}");
            }
            await context.CloseAsync();
        }
    }

    /// <summary>Screenshots for docs/screenshots when AUDITOR_SCREENSHOTS names a folder; nothing otherwise.</summary>
    private static async Task ScreenshotAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("AUDITOR_SCREENSHOTS") is { Length: > 0 } folder)
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }
}
