using Microsoft.Playwright;

namespace Auditor.Browser.Tests;

/// <summary>Screenshots for docs/screenshots when AUDITOR_SCREENSHOTS names a folder; nothing otherwise.</summary>
internal static class Screenshots
{
    public static async Task SaveAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("AUDITOR_SCREENSHOTS") is { Length: > 0 } folder)
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }
}
