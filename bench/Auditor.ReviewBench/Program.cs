using System.Diagnostics;
using Microsoft.Playwright;

// Measures the mechanical cost of the keyboard review flow on a running Auditor, in Debian's Chromium. Reading time is
// the reviewer's and is not measured. With one-key review (the default of every account) an item costs one key press:
// the verdict is saved and the next item of the scope loads; with it off, two (the verdict, then "n").
//   dotnet run -c Release --project bench/Auditor.ReviewBench -- URL USER PASSWORD ITEMS [SCREENSHOT_DIR]
//   dotnet run -c Release --project bench/Auditor.ReviewBench -- URL USER PASSWORD incident [SCREENSHOT_DIR]
// "incident": a new reviewer's path from the login page: open the queue, choose the first open incident and the flagged
// stratum in the scope form, and judge every item in that scope (key 1, degeneration) until none is left; the time
// from opening the login page to the last verdict is reported.
if (args.Length < 4 || (args[3] != "incident" && (!int.TryParse(args[3], out var parsed) || parsed < 1)))
{
    Console.Error.WriteLine("usage: Auditor.ReviewBench URL USER PASSWORD (ITEMS|incident) [SCREENSHOT_DIR]");
    return 2;
}
var (url, user, password, shots) = (args[0].TrimEnd('/'), args[1], args[2], args.Length > 4 ? args[4] : null);
var incidentMode = args[3] == "incident";
var items = incidentMode ? int.MaxValue : int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
{
    ExecutablePath = Environment.GetEnvironmentVariable("AUDITOR_TEST_CHROMIUM") ?? "/usr/bin/chromium",
    Headless = true,
    Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
page.SetDefaultTimeout(60_000);
var fromLogin = Stopwatch.StartNew();
var keystrokes = 0;
await page.GotoAsync(url + "/login");
await page.FillAsync("input[name=name]", user);
await page.FillAsync("input[name=password]", password);
await page.Keyboard.PressAsync("Enter");
keystrokes++;
try
{
    // The queue page's own content, not its load event: on a loaded machine the event can lag the page by seconds.
    await page.WaitForURLAsync(url + "/", new PageWaitForURLOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
}
catch (TimeoutException)
{
    Console.Error.WriteLine($"login did not reach the queue page: at {page.Url}: {await page.Locator("main").InnerTextAsync()}");
    return 1;
}
if (shots is not null)
{
    Directory.CreateDirectory(shots);
    await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "queue.png") });
}

if (incidentMode)
{
    var incident = page.Locator("[data-testid=scope-form] select[name=incident] option:not([value=''])").First;
    if (await incident.CountAsync() == 0)
    {
        Console.Error.WriteLine("no open incident: run the demo traffic first");
        return 1;
    }
    await page.SelectOptionAsync("[data-testid=scope-form] select[name=incident]", await incident.GetAttributeAsync("value") ?? "");
    await page.SelectOptionAsync("[data-testid=scope-form] select[name=stratum]", "flagged");
    await page.ClickAsync("[data-testid=scope-form] button[type=submit]");
}
else
{
    await page.Keyboard.PressAsync("n");
    keystrokes++;
}
await page.Locator("[data-testid=verdict-form], .message").First.WaitForAsync();

var oneKey = (await page.Locator("[data-testid=verdict-form] .help").AllInnerTextsAsync()).Any(t => t.StartsWith("One key", StringComparison.Ordinal));
var perItem = new List<double>();
string[] keys = incidentMode ? ["1"] : ["o", "o", "1", "o", "2", "u", "o", "o"];
var reviewed = 0;
var itemKeys = 0;
for (var i = 0; i < items; i++)
{
    if (await page.Locator("[data-testid=verdict-form]").CountAsync() == 0)
    {
        if (!incidentMode)
            Console.Error.WriteLine($"the queue ran dry after {i} items");
        break;
    }
    if (shots is not null && i == 0)
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "item.png"), FullPage = true });
    var before = page.Url;
    var clock = Stopwatch.StartNew();
    await page.Keyboard.PressAsync(keys[i % keys.Length]);
    keystrokes++;
    itemKeys++;
    if (oneKey)
        await page.WaitForURLAsync(u => u != before);
    else
    {
        await page.Locator("[data-testid=decided]").WaitForAsync();
        await page.Keyboard.PressAsync("n");
        keystrokes++;
        itemKeys++;
        await page.WaitForURLAsync(u => !u.StartsWith(before, StringComparison.Ordinal));
    }
    await page.Locator("[data-testid=verdict-form], .message").First.WaitForAsync();
    perItem.Add(clock.Elapsed.TotalMilliseconds);
    reviewed++;
}
var total = fromLogin.Elapsed;

static double P(List<double> xs, double q) => xs.Count == 0 ? double.NaN : xs.Order().ElementAt((int)Math.Min(xs.Count - 1, Math.Floor(q * xs.Count)));
Console.WriteLine($"{reviewed} items, {(oneKey ? "one-key" : "two-key")} review: key -> next item loaded p50 {P(perItem, 0.5):F0} ms, p95 {P(perItem, 0.95):F0} ms, " +
    $"mean {(perItem.Count == 0 ? double.NaN : perItem.Average()):F0} ms; {(reviewed == 0 ? 0 : (double)itemKeys / reviewed):F1} key presses per item, {keystrokes} in all from the login form.");
if (incidentMode)
    Console.WriteLine($"from opening the login page to the last verdict of the incident's flagged items: {total.TotalSeconds:F1} s for {reviewed} items.");
return 0;
