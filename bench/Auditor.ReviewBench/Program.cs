using System.Diagnostics;
using Microsoft.Playwright;

// Measures the mechanical cost of the keyboard review flow on a running Auditor: per item, one verdict key
// (page saves and shows the detector results) and "n" (next item loads). Reading time is the reviewer's and is
// not measured. Optionally saves screenshots of the pages. Needs waiting review items and Debian's Chromium.
//   dotnet run -c Release --project bench/Auditor.ReviewBench -- URL USER PASSWORD ITEMS [SCREENSHOT_DIR]
if (args.Length < 4 || !int.TryParse(args[3], out var items) || items < 1)
{
    Console.Error.WriteLine("usage: Auditor.ReviewBench URL USER PASSWORD ITEMS [SCREENSHOT_DIR]");
    return 2;
}
var (url, user, password, shots) = (args[0].TrimEnd('/'), args[1], args[2], args.Length > 4 ? args[4] : null);
using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
{
    ExecutablePath = Environment.GetEnvironmentVariable("AUDITOR_TEST_CHROMIUM") ?? "/usr/bin/chromium",
    Headless = true,
    Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
await page.GotoAsync(url + "/login");
await page.FillAsync("input[name=name]", user);
await page.FillAsync("input[name=password]", password);
await page.Keyboard.PressAsync("Enter");
await page.WaitForURLAsync(url + "/");
if (shots is not null)
{
    Directory.CreateDirectory(shots);
    await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "queue.png") });
}

var verdictTimes = new List<double>();
var nextTimes = new List<double>();
string[] keys = ["o", "o", "1", "o", "2", "u", "o", "o"];
await page.Keyboard.PressAsync("n");
await page.Locator("[data-testid=verdict-form], .message").First.WaitForAsync();
for (var i = 0; i < items; i++)
{
    if (await page.Locator("[data-testid=verdict-form]").CountAsync() == 0)
    {
        Console.Error.WriteLine($"the queue ran dry after {i} items");
        break;
    }
    if (shots is not null && i == 0)
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "item-blind.png"), FullPage = true });
    var clock = Stopwatch.StartNew();
    await page.Keyboard.PressAsync(keys[i % keys.Length]);
    await page.Locator("[data-testid=decided]").WaitForAsync();
    verdictTimes.Add(clock.Elapsed.TotalMilliseconds);
    if (shots is not null && i == 0)
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "item-decided.png"), FullPage = true });
    clock.Restart();
    await page.Keyboard.PressAsync("n");
    await page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);
    await page.Locator("[data-testid=verdict-form], .message").First.WaitForAsync();
    nextTimes.Add(clock.Elapsed.TotalMilliseconds);
}

static double P(List<double> xs, double q) => xs.Count == 0 ? double.NaN : xs.Order().ElementAt((int)Math.Min(xs.Count - 1, Math.Floor(q * xs.Count)));
Console.WriteLine($"{verdictTimes.Count} items: verdict key -> saved and revealed p50 {P(verdictTimes, 0.5):F0} ms, p95 {P(verdictTimes, 0.95):F0} ms; " +
    $"next key -> next item p50 {P(nextTimes, 0.5):F0} ms, p95 {P(nextTimes, 0.95):F0} ms; " +
    $"mechanical time per item p50 {P(verdictTimes, 0.5) + P(nextTimes, 0.5):F0} ms (two key presses).");
return 0;
