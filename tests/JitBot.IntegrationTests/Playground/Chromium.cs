using Microsoft.Playwright;

namespace JitBot.IntegrationTests.Playground;

/// <summary>
/// Debian's Chromium driven by Playwright (its own browser download does not work here): the executable is
/// <c>CHROMIUM_PATH</c> or the first of <c>/usr/bin/chromium</c>, <c>/usr/bin/chromium-browser</c>. Without one the
/// browser tests fail, saying how to install it (<c>.ci/run</c> installs it from apt); they are never skipped.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

    IPlaywright? playwright;

    public IBrowser Browser { get; private set; } = null!;

    public static string? ExecutablePath =>
        Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } configured ? configured : Candidates.FirstOrDefault(File.Exists);

    public async Task InitializeAsync()
    {
        var path = ExecutablePath;
        if (path is null || !File.Exists(path))
            throw new InvalidOperationException(
                "The playground's browser tests need Chromium: install it (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH to its executable. " +
                $"Looked for {Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? string.Join(", ", Candidates)}.");
        // The page polls every 0.7 s and the bot answers some commands late (through the outbox): allow for a busy machine.
        Assertions.SetDefaultExpectTimeout(15_000);
        playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = path,
            Headless = true,
            // Chromium refuses to run as root with its sandbox on (CI containers run as root).
            Args = Environment.UserName == "root" ? ["--no-sandbox"] : [],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        playwright?.Dispose();
    }
}
