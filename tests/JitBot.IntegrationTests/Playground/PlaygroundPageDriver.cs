using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace JitBot.IntegrationTests.Playground;

/// <summary>What a person does on the playground's page, in Playwright's words; and where screenshots go.</summary>
public sealed class PlaygroundPageDriver(IPage page)
{
    public IPage Page => page;

    public ILocator Messages => page.Locator("#messages");

    public static async Task<PlaygroundPageDriver> OpenAsync(Chromium chromium, Uri address)
    {
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1200, Height = 760 }, TimezoneId = "Europe/London", Locale = "en-GB",
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync(address.ToString());
        return new PlaygroundPageDriver(page);
    }

    /// <summary>Acts as the person of that name (from the policy's people).</summary>
    public async Task AsAsync(string name)
    {
        await Expect(page.Locator("#person option")).Not.ToHaveCountAsync(0);
        await page.SelectOptionAsync("#person", new SelectOptionValue { Label = name });
        await Expect(page.Locator("#person-tags")).Not.ToBeEmptyAsync();
    }

    /// <summary>Opens a channel (<c># general</c>) or the bot's messages (<c>JitBot (messages)</c>) in the sidebar.</summary>
    public async Task OpenAsync(string label)
    {
        var item = page.Locator("#sidebar li", new PageLocatorOptions { HasText = label });
        await Expect(item).ToHaveCountAsync(1);
        await item.ClickAsync();
        await Expect(page.Locator("#sidebar li.active", new PageLocatorOptions { HasText = label })).ToHaveCountAsync(1);
    }

    public async Task TypeAsync(string command)
    {
        await page.FillAsync("#command", command);
        await page.PressAsync("#command", "Enter");
    }

    public Task SeeAsync(string text, int timeoutMs = 15_000) =>
        Expect(Messages).ToContainTextAsync(text, new LocatorAssertionsToContainTextOptions { Timeout = timeoutMs });

    public ILocator Button(string text) => page.Locator("#messages button", new PageLocatorOptions { HasText = text });

    /// <summary>Saves a screenshot of the page as <paramref name="name"/>.png in <see cref="ScreenshotFolder"/>.</summary>
    public Task ScreenshotAsync(string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png") });

    /// <summary><c>JITBOT_PLAYGROUND_SCREENSHOTS</c> (set it to docs/images to refresh the docs' pictures), or a temporary folder.</summary>
    public static string ScreenshotFolder { get; } =
        Environment.GetEnvironmentVariable("JITBOT_PLAYGROUND_SCREENSHOTS") is { Length: > 0 } folder
            ? Directory.CreateDirectory(folder).FullName
            : Directory.CreateTempSubdirectory("jitbot-playground-shots-").FullName;
}
