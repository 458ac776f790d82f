using JitBot.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace JitBot.IntegrationTests.Playground;

/// <summary>
/// The playground in Chromium: a denial (a confirm dialog cancelled, then Deny and its reason form), the request form
/// opened by a bare <c>/access</c>, and a policy folder that does not validate, whose problems the page shows.
/// </summary>
public sealed class PlaygroundBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task Deny_WithCancelledConfirm_AndReasonForm()
    {
        await using var playground = await PlaygroundProcess.StartAsync();
        var ui = await PlaygroundPageDriver.OpenAsync(chromium, playground.PageAddress);

        await ui.AsAsync("Dev");
        await ui.TypeAsync("/access payments-api-staging because checking a deploy <b>now</b> & then");
        await ui.SeeAsync("sent to #payments-access");

        await ui.AsAsync("Ben");
        await ui.OpenAsync("# payments-access");
        await ui.SeeAsync("Access request: payments-api-staging");
        // What people type is shown as text, never as markup.
        await ui.SeeAsync("checking a deploy <b>now</b> & then");
        await Expect(ui.Messages.Locator("b")).ToHaveCountAsync(0);
        // Cancelling the confirm dialog sends nothing: the request still waits.
        await ui.Button("Approve").ClickAsync();
        await ui.Page.Locator("#overlay .confirm .confirm-no").ClickAsync();
        await Expect(ui.Page.Locator("#overlay")).ToBeHiddenAsync();
        await Expect(ui.Button("Approve")).ToHaveCountAsync(1);

        await ui.Button("Deny").ClickAsync();
        var form = ui.Page.Locator("#overlay .modal");
        await Expect(form).ToBeVisibleAsync();
        await form.Locator("textarea, input").First.FillAsync("Use the read-only dashboard instead");
        await ui.ScreenshotAsync("playground-deny-reason");
        await form.Locator(".modal-submit").ClickAsync();
        await Expect(ui.Page.Locator("#overlay")).ToBeHiddenAsync();
        await ui.SeeAsync("Denied by @Ben: Use the read-only dashboard instead");
        await Expect(ui.Button("Deny")).ToHaveCountAsync(0);

        await ui.AsAsync("Dev");
        await ui.OpenAsync("JitBot (messages)");
        await ui.SeeAsync("Use the read-only dashboard instead");
        await ui.ScreenshotAsync("playground-denied");
    }

    [Fact]
    public async Task BareAccess_OpensTheRequestForm_AndItsSubmissionIsAnswered()
    {
        await using var playground = await PlaygroundProcess.StartAsync();
        var ui = await PlaygroundPageDriver.OpenAsync(chromium, playground.PageAddress);

        await ui.AsAsync("Ana");
        await ui.TypeAsync("/access");
        var form = ui.Page.Locator("#overlay .modal");
        await Expect(form.Locator("h2")).ToHaveTextAsync("Request access");
        await Expect(form.Locator("option[value='payments-db-dev']")).ToHaveCountAsync(1);
        await form.Locator("select").First.SelectOptionAsync("payments-db-dev");
        await form.Locator(".input", new LocatorLocatorOptions { HasText = "For how long" }).Locator("input").FillAsync("30m");
        await form.Locator(".input", new LocatorLocatorOptions { HasText = "Reason" }).Locator("textarea").FillAsync("trying the form");
        await ui.ScreenshotAsync("playground-request-form");
        await form.Locator(".modal-submit").ClickAsync();
        await Expect(ui.Page.Locator("#overlay")).ToBeHiddenAsync();

        await ui.OpenAsync("JitBot (messages)");
        await ui.SeeAsync("payments-db-dev");

        // The Home tab is what the bot publishes when it hears app_home_opened: the grant is there, with its buttons.
        await ui.OpenAsync("JitBot (Home)");
        await ui.SeeAsync("payments-db-dev");
        await Expect(ui.Button("Request access")).ToHaveCountAsync(1);
        await ui.ScreenshotAsync("playground-home");
    }

    [Fact]
    public async Task PolicyFolderThatDoesNotValidate_ThePageAndTheConsoleSayWhy()
    {
        using var policies = new PolicyCopy();
        File.AppendAllText(Path.Combine(policies.Dir, "resources.yaml"), "  - id: broken\n    tags: {owner-team: nobody}\n");
        await using var playground = await PlaygroundProcess.StartAsync(policies.Dir);
        Assert.True(playground.BotFailed, playground.Output);
        Assert.Contains("resources.yaml:", playground.Output);

        var ui = await PlaygroundPageDriver.OpenAsync(chromium, playground.PageAddress);
        var problems = ui.Page.Locator("#problems");
        await Expect(problems).ToBeVisibleAsync();
        await Expect(problems.Locator("h1")).ToHaveTextAsync("The bot did not start");
        await Expect(problems.Locator("pre")).ToContainTextAsync("resources.yaml:");
        await Expect(ui.Page.Locator("#app")).ToBeHiddenAsync();
        await ui.ScreenshotAsync("playground-invalid-policy");
        Assert.Equal(1, await playground.StopAsync());
    }
}
