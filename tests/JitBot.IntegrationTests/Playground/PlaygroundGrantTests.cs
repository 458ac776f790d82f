using static Microsoft.Playwright.Assertions;

namespace JitBot.IntegrationTests.Playground;

/// <summary>
/// The playground in Chromium, from a request to its expiry: Chloe asks for a staging database of another team for
/// one minute, Ana approves in the team's channel (through the confirm dialog), Chloe gets her grant by direct
/// message, a refresh keeps everything, and the grant ends by itself on the bot's real clock: the notice arrives.
/// </summary>
public sealed class PlaygroundGrantTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task Request_Approve_Granted_Refresh_Expired()
    {
        await using var playground = await PlaygroundProcess.StartAsync();
        Assert.False(playground.BotFailed, playground.Output);
        var ui = await PlaygroundPageDriver.OpenAsync(chromium, playground.PageAddress);

        await ui.AsAsync("Chloe");
        await ui.OpenAsync("# general");
        await ui.TypeAsync("/access payments-db-staging for 1m because trying the playground");
        await ui.SeeAsync("sent to #payments-access, waiting for @payments-oncall");
        await Expect(ui.Page.Locator(".message.ephemeral .only-you").Last).ToBeVisibleAsync();
        await ui.ScreenshotAsync("playground-request");

        await ui.AsAsync("Ana");
        await ui.OpenAsync("# payments-access");
        await ui.SeeAsync("Access request: payments-db-staging");
        await ui.SeeAsync("@Chloe asks for access to payments-db-staging for 1 minute.");
        await ui.ScreenshotAsync("playground-approval");

        await ui.Button("Approve").ClickAsync();
        var confirm = ui.Page.Locator("#overlay .confirm");
        await Expect(confirm).ToBeVisibleAsync();
        await ui.ScreenshotAsync("playground-confirm");
        await confirm.Locator(".confirm-yes").ClickAsync();
        await ui.SeeAsync("Granted to @Chloe for 1 minute");
        await Expect(ui.Button("Approve")).ToHaveCountAsync(0);

        await ui.AsAsync("Chloe");
        await ui.OpenAsync("JitBot (messages)");
        await ui.SeeAsync("You have access to payments-db-staging for 1 minute (approved by @Ana)");
        await Expect(ui.Messages).Not.ToContainTextAsync("!date^");
        await Expect(ui.Messages.Locator("time").First).ToBeVisibleAsync();
        await ui.ScreenshotAsync("playground-granted");

        // A refresh keeps who you are, where you are and everything that happened.
        await ui.Page.ReloadAsync();
        await Expect(ui.Page.Locator("#person")).ToHaveValueAsync("U0PLT0001");
        await Expect(ui.Page.Locator("#conversation-name")).ToHaveTextAsync("JitBot");
        await ui.SeeAsync("You have access to payments-db-staging");

        // The bot's own clock and scheduler end the grant: a minute after the approval, the notice arrives.
        await ui.SeeAsync("Your access to payments-db-staging (grant", timeoutMs: 120_000);
        await ui.SeeAsync("expired");
        await ui.ScreenshotAsync("playground-expired");

        Assert.Equal(0, await playground.StopAsync());
    }
}
