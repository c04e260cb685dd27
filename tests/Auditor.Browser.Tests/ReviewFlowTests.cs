using System.Diagnostics;
using System.Text.RegularExpressions;
using Auditor.Contracts;
using Auditor.Review.Estimation;
using Auditor.Review.Routing;
using Auditor.Storage.Incidents;
using Auditor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Auditor.Browser.Tests;

/// <summary>
/// The reviewer's flow in a real browser (#17): scopes kept across "next", one key per item, skip, incident items
/// first, and the item page (top line, colours and legend, folded loops, markdown toggle against hostile output).
/// </summary>
public sealed partial class ReviewFlowTests(BrowserFixture browser, ITestOutputHelper output) : IClassFixture<BrowserFixture>, IAsyncLifetime
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

    private static async Task LogInAsync(IPage page, string baseUrl)
    {
        await page.GotoAsync("/login");
        await page.FocusAsync("input[name=name]");
        await page.Keyboard.TypeAsync("admin");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync(KestrelApp.AdminPassword);
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(baseUrl.TrimEnd('/') + "/");
    }

    private Task LogInAsync() => LogInAsync(_page, _app.BaseUrl);

    private static OutputSample Sample(string model, string output = "The invoice is due on the 5th.", string finish = "stop", DateTimeOffset? at = null) =>
        TestSamples.Valid(output: output) with { Model = model, FinishReason = finish, OccurredAt = at ?? DateTimeOffset.UtcNow.AddMinutes(-1) };

    /// <summary>Presses a key on a review page and waits until the browser has loaded the page it leads to (another address).</summary>
    private async Task PressAndWaitForNextAsync(string key)
    {
        var before = _page.Url;
        await _page.Keyboard.PressAsync(key);
        await _page.WaitForURLAsync(url => url != before);
    }

    private Task<string> StreamOnPageAsync() => _page.Locator("[data-testid=stream-link]").InnerTextAsync();

    [Fact]
    public async Task A_scoped_claim_keeps_its_scope_across_ten_items()
    {
        // The other stream's items are older: the oldest-first order alone would hand them out first.
        await _app.SeedAsync(ReviewStratum.Flagged, Enumerable.Range(0, 10).Select(i => Sample("model-other", $"Other answer {i}.")).ToArray());
        await _app.SeedAsync(ReviewStratum.Flagged, Enumerable.Range(0, 10).Select(i => Sample("model-a", $"Answer {i}.")).ToArray());
        await _app.SeedAsync(ReviewStratum.Uniform, Enumerable.Range(0, 3).Select(i => Sample("model-a", $"Uniform answer {i}.")).ToArray());
        await LogInAsync();

        await _page.SelectOptionAsync("[data-testid=scope-form] select[name=model]", "model-a");
        await _page.SelectOptionAsync("[data-testid=scope-form] select[name=stratum]", "flagged");
        await _page.ClickAsync("[data-testid=scope-form] button[type=submit]");
        var streams = new List<string>();
        var progress = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            await _page.Locator("[data-testid=verdict-form]").WaitForAsync();
            streams.Add(await StreamOnPageAsync());
            progress.Add(await _page.Locator("[data-testid=progress]").InnerTextAsync());
            Assert.Equal("flagged", (await _page.Locator(".facts dd").Nth(3).InnerTextAsync()).Trim());
            await PressAndWaitForNextAsync("o");
        }

        await _page.Locator(".message").WaitForAsync();
        Assert.All(streams, s => Assert.StartsWith("model-a", s, StringComparison.Ordinal));
        Assert.Contains("10 of 10 left", progress[0], StringComparison.Ordinal);
        Assert.Contains("1 of 10 left", progress[9], StringComparison.Ordinal);
        Assert.Contains("Nothing waits for you in model-a / any route, flagged", await _page.Locator(".message").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(10, await _app.VerdictsByAsync("admin"));
    }

    [Fact]
    public async Task The_stream_row_claims_its_stratum_only_and_says_when_it_returns_a_held_item()
    {
        await _app.SeedAsync(ReviewStratum.Uniform, Sample("model-a", "Uniform answer."));
        await _app.SeedAsync(ReviewStratum.Flagged, Sample("model-a", "Flagged answer."));
        await LogInAsync();

        await _page.ClickAsync("tr:has(td:text-is('uniform')) button");
        await _page.Locator("[data-testid=verdict-form]").WaitForAsync();
        var uniformItem = await _page.Locator("article.item").GetAttributeAsync("data-item");
        Assert.Contains("Uniform answer.", await _page.Locator("pre.output").InnerTextAsync(), StringComparison.Ordinal);
        await _page.GotoAsync("/");
        await _page.ClickAsync("tr:has(td:text-is('flagged')) button");
        await _page.Locator("[data-testid=verdict-form]").WaitForAsync();
        var flaggedUrl = _page.Url;
        var released = await _page.Locator(".message").InnerTextAsync();
        Assert.Contains("Flagged answer.", await _page.Locator("pre.output").InnerTextAsync(), StringComparison.Ordinal);
        await _page.GotoAsync("/");
        await _page.Keyboard.PressAsync("n");
        await _page.Locator("[data-testid=verdict-form]").WaitForAsync();

        Assert.Contains($"Item {uniformItem}, which you held outside this scope, went back to the queue", released, StringComparison.Ordinal);
        Assert.Equal(new Uri(flaggedUrl).AbsolutePath, new Uri(_page.Url).AbsolutePath);
        Assert.Contains("You already held item", await _page.Locator(".message").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_key_review_of_ten_items_saves_each_verdict_and_opens_the_next_with_undo_one_key_away()
    {
        await _app.SeedAsync(ReviewStratum.Flagged, Enumerable.Range(0, 10).Select(i => Sample("model-a", $"Answer number {i}: the invoice is due on the 5th.")).ToArray());
        await LogInAsync();

        string[] keys = ["o", "1", "u", "2", "o", "o", "3", "o", "u", "o"];
        await _page.Keyboard.PressAsync("n");
        await _page.Locator("[data-testid=verdict-form]").WaitForAsync();
        var clock = Stopwatch.StartNew();
        var seen = new HashSet<string>();
        foreach (var key in keys)
        {
            await _page.Locator("[data-testid=verdict-form]").WaitForAsync();
            Assert.True(seen.Add((await _page.Locator("article.item").GetAttributeAsync("data-item"))!), "each key opens a new item");
            await PressAndWaitForNextAsync(key);
        }
        var mechanics = clock.Elapsed;
        await _page.Locator(".message").WaitForAsync();
        Assert.Equal(10, await _app.VerdictsByAsync("admin"));
        Assert.Contains("Nothing waits", await _page.Locator(".message").InnerTextAsync(), StringComparison.Ordinal);

        await _page.Keyboard.PressAsync("z");
        await _page.Locator("[data-testid=verdict-form]").WaitForAsync();

        Assert.Equal(9, await _app.VerdictsByAsync("admin"));
        Assert.Contains("taken back", await _page.Locator(".message").InnerTextAsync(), StringComparison.Ordinal);
        // Mechanics only (no reading): one key per item; reported, never asserted (tests do not time the machine).
        output.WriteLine($"one-key review: 10 items, 10 keys, {mechanics.TotalMilliseconds:F0} ms, {mechanics.TotalMilliseconds / 10:F0} ms per item");
    }

    [Fact]
    public async Task Undo_on_the_next_item_gives_that_item_back_and_reopens_the_judged_one()
    {
        await _app.SeedAsync(ReviewStratum.Flagged, Sample("model-a", "First answer."), Sample("model-a", "Second answer."));
        await LogInAsync();
        await _page.Keyboard.PressAsync("n");
        await _page.Locator("[data-testid=verdict-form]").WaitForAsync();
        var first = await _page.Locator("article.item").GetAttributeAsync("data-item");
        await PressAndWaitForNextAsync("o");
        var second = await _page.Locator("article.item").GetAttributeAsync("data-item");
        Assert.Contains("Item " + first + " saved", await _page.Locator("[data-testid=previous]").InnerTextAsync(), StringComparison.Ordinal);

        await PressAndWaitForNextAsync("z");

        Assert.Equal(first, await _page.Locator("article.item").GetAttributeAsync("data-item"));
        Assert.Equal(0, await _app.VerdictsByAsync("admin"));
        // The second item went back to the queue (not held for a lease): another reviewer could take it now.
        var claimed = await _app.Services.GetRequiredService<Auditor.Storage.Review.ReviewQueue>().ClaimAsync("ben", TimeSpan.FromMinutes(5), null, null, default);
        Assert.Equal(second, claimed?.ItemId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Skip_sends_the_item_to_the_end_of_my_queue()
    {
        await _app.SeedAsync(ReviewStratum.Flagged, Enumerable.Range(0, 3).Select(i => Sample("model-a", $"Answer {i}.")).ToArray());
        await LogInAsync();
        await _page.Keyboard.PressAsync("n");
        await _page.Locator("[data-testid=verdict-form]").WaitForAsync();
        var skipped = await _page.Locator("article.item").GetAttributeAsync("data-item");

        await PressAndWaitForNextAsync("s");
        var message = await _page.Locator(".message").InnerTextAsync();
        var order = new List<string?>();
        for (var i = 0; i < 3; i++)
        {
            order.Add(await _page.Locator("article.item").GetAttributeAsync("data-item"));
            await PressAndWaitForNextAsync("o");
        }

        Assert.Contains($"Skipped item {skipped}", message, StringComparison.Ordinal);
        Assert.NotEqual(skipped, order[0]);
        Assert.Equal(skipped, order[2]);
        Assert.Equal(3, await _app.VerdictsByAsync("admin"));
    }

    [Fact]
    public async Task The_flagged_items_of_an_open_incident_come_first()
    {
        var now = DateTimeOffset.UtcNow;
        await _app.SeedAsync(ReviewStratum.Flagged, Enumerable.Range(0, 5).Select(i => Sample("model-calm", $"Calm answer {i}.", at: now.AddMinutes(-50))).ToArray());
        var loop = string.Concat(Enumerable.Repeat("Restart the router and try again. ", 30));
        var incident = await _app.SeedAsync(ReviewStratum.Flagged, Enumerable.Range(0, 3).Select(i => Sample("model-loop", $"Answer {i}. " + loop, "length", now.AddMinutes(-5))).ToArray());
        await _app.Services.GetRequiredService<IncidentRecorder>().OpenFromDriftAsync(new StreamKey("model-loop", incident[0].Route!), now.AddMinutes(-20), now, "loops", default);
        await LogInAsync();

        await _page.Keyboard.PressAsync("n");
        var streams = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            await _page.Locator("[data-testid=verdict-form]").WaitForAsync();
            streams.Add(await StreamOnPageAsync());
            await PressAndWaitForNextAsync("1");
        }

        Assert.All(streams.Take(3), s => Assert.StartsWith("model-loop", s, StringComparison.Ordinal));
        Assert.StartsWith("model-calm", streams[3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_item_page_names_the_flagging_detectors_colours_them_and_folds_the_loop()
    {
        var loop = string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog once more. ", 24));
        await _app.SeedAsync(ReviewStratum.Flagged, Sample("model-a", "Here is the plan. " + loop, "length") with { CompletionTokens = 256, MaxTokens = 256 });
        await LogInAsync();
        await _page.Keyboard.PressAsync("n");
        await _page.Locator("[data-testid=verdict-form]").WaitForAsync();

        var top = await _page.Locator("[data-testid=flagged-by]").InnerTextAsync();
        Assert.Matches(FlaggedByLoop(), top);
        Assert.Contains("truncation", top, StringComparison.Ordinal);
        var legend = await _page.Locator("[data-testid=legend]").InnerTextAsync();
        Assert.Contains("degeneration", legend, StringComparison.Ordinal);
        Assert.Contains("truncation", legend, StringComparison.Ordinal);
        Assert.True(await _page.Locator("[data-testid=legend]").IsVisibleAsync(), "notes are shown, not only on hover");
        Assert.True(await _page.Locator("pre.output mark.ev-1").CountAsync() > 0, "a second detector has its own colour");
        Assert.False(await _page.Locator("[data-testid=folded]").IsVisibleAsync());
        Assert.Equal(1, await _page.Locator("[data-testid=sample-link]").CountAsync());
        Assert.Equal(1, await _page.Locator("[data-testid=stream-link]").CountAsync());
        if (await _page.Locator("[data-testid=abstained]").CountAsync() > 0)
            Assert.False(await _page.Locator("[data-testid=abstained] ul").IsVisibleAsync(), "abstaining detectors are folded away");
        await Screenshots.SaveAsync(_page, "review-item");

        await _page.ClickAsync("[data-testid=fold-label]");

        Assert.True(await _page.Locator("[data-testid=folded]").IsVisibleAsync());
        Assert.Equal("Here is the plan. " + loop, await _page.Locator("pre.output").TextContentAsync());

        await using var dark = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _app.BaseUrl, ColorScheme = ColorScheme.Dark });
        var darkPage = await dark.NewPageAsync();
        await LogInAsync(darkPage, _app.BaseUrl);
        await darkPage.GotoAsync(_page.Url);
        await darkPage.Locator("[data-testid=legend]").WaitForAsync();
        await Screenshots.SaveAsync(darkPage, "review-item-dark");
    }

    [Fact]
    public async Task The_markdown_toggle_renders_a_table_and_runs_no_script_from_a_hostile_output()
    {
        const string markdown = """
            | model | verdict |
            |---|---|
            | llama | **ok** |

            <img src=x onerror="window.__pwned = 1"> <script>window.__pwned = 2</script>
            [click me](javascript:window.__pwned=3) [data](data:text/html,<script>window.__pwned=4</script>) ![pic](x" onerror="window.__pwned=5)
            <a href="javascript:window.__pwned=6">raw link</a> [fine](https://example.test/docs)
            """;
        var dialogs = 0;
        _page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };
        await _app.SeedAsync(ReviewStratum.Flagged, Sample("model-a", markdown, "length"));
        await LogInAsync();
        await _page.Keyboard.PressAsync("n");
        await _page.Locator("[data-testid=verdict-form]").WaitForAsync();
        Assert.False(await _page.Locator("[data-testid=rendered]").IsVisibleAsync());

        await _page.Keyboard.PressAsync("m");
        await _page.Locator("[data-testid=rendered]").WaitForAsync();
        var rendered = _page.Locator("[data-testid=rendered]");
        foreach (var text in new[] { "click me", "data", "raw link" })
        {
            var link = rendered.GetByText(text);
            if (await link.CountAsync() > 0)
                await link.First.ClickAsync(new LocatorClickOptions { Timeout = 2000 });
        }

        Assert.Equal(2, await rendered.Locator("table th").CountAsync());
        Assert.Equal("ok", await rendered.Locator("table td strong").InnerTextAsync());
        Assert.False(await _page.Locator("[data-view=raw]").IsVisibleAsync());
        Assert.Equal(0, await rendered.Locator("img, script, iframe, [onerror]").CountAsync());
        Assert.Equal(0, await rendered.Locator("a[href^='javascript'], a[href^='data']").CountAsync());
        Assert.Equal("https://example.test/docs", await rendered.Locator("a", new LocatorLocatorOptions { HasText = "fine" }).GetAttributeAsync("href"));
        Assert.Contains("<img src=x", await rendered.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Null(await _page.EvaluateAsync<int?>("() => window.__pwned ?? null"));
        Assert.Equal(0, dialogs);
        Assert.EndsWith("/review/" + await _page.Locator("article.item").GetAttributeAsync("data-item"), new Uri(_page.Url).AbsolutePath, StringComparison.Ordinal);

        await _page.Keyboard.PressAsync("m");
        Assert.True(await _page.Locator("[data-view=raw]").IsVisibleAsync());
    }

    [Fact]
    public async Task A_blind_item_shows_the_detectors_after_a_one_key_verdict_only_when_asked()
    {
        await _app.SeedAsync(ReviewStratum.Uniform, Sample("model-a", "The steps are: first open settings, then", "length"));
        await _app.SeedAsync(ReviewStratum.Uniform, Sample("model-a", "A fine answer."));
        await LogInAsync();
        await _page.Keyboard.PressAsync("n");
        await _page.Locator("[data-testid=verdict-form]").WaitForAsync();
        Assert.Equal(0, await _page.Locator("[data-testid=detectors], [data-testid=flagged-by], [data-testid=legend]").CountAsync());

        await PressAndWaitForNextAsync("2");
        Assert.Equal(0, await _page.Locator("[data-testid=detectors], [data-testid=flagged-by]").CountAsync());
        await PressAndWaitForNextAsync("p");

        await _page.Locator("[data-testid=decided]").WaitForAsync();
        Assert.Contains("truncation", await _page.Locator("[data-testid=detectors]").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("failure · truncation", await _page.Locator("[data-testid=my-verdict]").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_item_back_for_a_second_reviewer_is_shown_as_such()
    {
        await _app.SeedAsync(ReviewStratum.Uniform, 2, Sample("model-a", "An answer two reviewers judge."));
        var queue = _app.Services.GetRequiredService<Auditor.Storage.Review.ReviewQueue>();
        var first = await queue.ClaimAsync("ben", TimeSpan.FromMinutes(5), null, null, default);
        await queue.SaveVerdictAsync(first!.ItemId, "ben", "failure", "other", null, true, default);
        await LogInAsync();

        var waitingForSecond = await _page.Locator("[data-testid=queue] tbody tr td").Nth(4).InnerTextAsync();
        await _page.Keyboard.PressAsync("n");
        await _page.Locator("[data-testid=verdict-form]").WaitForAsync();

        Assert.Equal("1", waitingForSecond.Trim());
        Assert.Contains("Second review", await _page.Locator("[data-testid=second-review]").InnerTextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("failure", await _page.Locator("article.item").InnerTextAsync(), StringComparison.Ordinal); // ben's verdict stays hidden
    }

    [GeneratedRegex(@"^Flagged by degeneration \(loop of \d+ chars x \d+\)")]
    private static partial Regex FlaggedByLoop();
}
