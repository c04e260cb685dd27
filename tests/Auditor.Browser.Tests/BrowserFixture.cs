using Microsoft.Playwright;

namespace Auditor.Browser.Tests;

/// <summary>
/// Debian's Chromium driven by Playwright; no browser is ever downloaded. tests/run.sh installs it; the path can be
/// overridden with AUDITOR_TEST_CHROMIUM. A missing browser fails the tests with a clear message.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public static string ChromiumPath =>
        Environment.GetEnvironmentVariable("AUDITOR_TEST_CHROMIUM") is { Length: > 0 } p ? p : "/usr/bin/chromium";

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"Chromium is needed by the browser tests and is not at {ChromiumPath}. " +
                "Run the tests with tests/run.sh (it installs Debian's chromium), or set AUDITOR_TEST_CHROMIUM.");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // The machine has no network beyond loopback: keep Chromium from calling home.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
            await Browser.DisposeAsync();
        _playwright?.Dispose();
    }
}
