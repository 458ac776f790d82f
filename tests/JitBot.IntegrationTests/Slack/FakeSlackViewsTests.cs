using JitBot.IntegrationTests.Infrastructure;
using JitBot.Slack.Api;
using JitBot.Slack.BlockKit;
using Microsoft.Extensions.Time.Testing;

namespace JitBot.IntegrationTests.Slack;

/// <summary>The fake Slack checks views and trigger ids as Slack does, through the real API client.</summary>
public sealed class FakeSlackViewsTests : IAsyncLifetime
{
    static readonly DateTimeOffset Start = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
    readonly FakeTimeProvider clock = new(Start);
    FakeSlack slack = null!;
    SlackApiClient client = null!;

    public async Task InitializeAsync()
    {
        slack = await FakeSlack.StartAsync();
        slack.Clock = clock;
        client = new SlackApiClient(new HttpClient(), new SlackApiSettings(FakeSlack.Token, slack.ApiBaseUrl), TimeProvider.System);
    }

    public async Task DisposeAsync() => await slack.DisposeAsync();

    static View Form(string title = "Request access") =>
        Views.Modal(title, "access_request",
        [
            Views.Input("resource", "Resource", Views.ExternalSelect("resource_pick", "Choose a resource", minQueryLength: 0)),
            Views.Input("duration", "For how long", Views.Select("duration_pick", [Views.Option("1 hour", "1h"), Views.Option("2 hours", "2h")])),
            Views.Input("reason", "Reason", Views.TextInput("reason_text", multiline: true, maxLength: 500), hint: "Why you need it", optional: true),
        ], submit: "Request", privateMetadata: "{\"v\":1}");

    [Fact]
    public async Task AValidModal_Opens_WithAFreshTrigger_AndCanBeUpdatedWithItsHash()
    {
        var opened = await client.ViewsOpenAsync(slack.NewTriggerId(), Form(), CancellationToken.None);

        Assert.StartsWith("V", opened.Id);
        Assert.Equal("access_request", opened.CallbackId);
        Assert.NotNull(opened.Hash);
        var updated = await client.ViewsUpdateAsync(opened.Id, opened.Hash, Form("Request access (2)"), CancellationToken.None);
        Assert.NotEqual(opened.Hash, updated.Hash);
        Assert.Equal("Request access (2)", (string?)slack.OpenView(opened.Id)!["title"]!["text"]);
        var stale = await Assert.ThrowsAsync<SlackApiException>(() => client.ViewsUpdateAsync(opened.Id, opened.Hash, Form(), CancellationToken.None));
        Assert.Equal("hash_conflict", stale.Error);
        slack.AssertNoProblems();
    }

    [Fact]
    public async Task AnExpiredTrigger_IsExpired_AUsedOneExchanged_AnUnknownOneInvalid()
    {
        var late = slack.NewTriggerId();
        clock.Advance(TimeSpan.FromSeconds(3.5));
        var expired = await Assert.ThrowsAsync<SlackApiException>(() => client.ViewsOpenAsync(late, Form(), CancellationToken.None));
        Assert.Equal("expired_trigger_id", expired.Error);
        Assert.True(expired.IsUnusableTrigger);

        var once = slack.NewTriggerId();
        await client.ViewsOpenAsync(once, Form(), CancellationToken.None);
        Assert.Equal("exchanged_trigger_id",
            (await Assert.ThrowsAsync<SlackApiException>(() => client.ViewsOpenAsync(once, Form(), CancellationToken.None))).Error);
        Assert.Equal("invalid_trigger_id",
            (await Assert.ThrowsAsync<SlackApiException>(() => client.ViewsOpenAsync("123.456.abc", Form(), CancellationToken.None))).Error);
        Assert.Single(slack.CallsTo("views.open"), c => c.Response?["ok"]?.GetValue<bool>() == true);
    }

    [Fact]
    public async Task AnInvalidView_IsRefused_WithTheProblems_AsSlackDoes()
    {
        var bad = new View(View.ModalType, [new InputBlock(TextObject.Plain("Reason"), new PlainTextInputElement("reason_text"))])
        {
            Title = TextObject.Plain("A title that is far too long for Slack"),
            CallbackId = new string('c', 256),
        };

        var e = await Assert.ThrowsAsync<SlackApiException>(() => client.ViewsOpenAsync(slack.NewTriggerId(), bad, CancellationToken.None));

        Assert.Equal("invalid_arguments", e.Error);
        Assert.Contains(e.Messages, m => m.Contains("/title") && m.Contains("must be 1-24"));
        Assert.Contains(e.Messages, m => m.Contains("needs a submit button"));
        Assert.Contains(e.Messages, m => m.Contains("callback_id over 255"));
        Assert.NotEmpty(slack.Problems);
    }

    [Fact]
    public async Task TooManyBlocks_AndABadOption_AreRefused()
    {
        var many = Views.Home(Enumerable.Range(0, 101).Select(_ => (Block)new DividerBlock()));
        Assert.Equal(100, many.Blocks.Count);
        var over = many with { Blocks = [.. many.Blocks, new DividerBlock()] };
        var e = await Assert.ThrowsAsync<SlackApiException>(() => client.ViewsPublishAsync("U0ALICE", over, CancellationToken.None));
        Assert.Contains(e.Messages, m => m.Contains("101 blocks"));

        var badOption = Views.Modal("Pick", "pick", [Views.Input("b", "B",
            new StaticSelectElement("s") { Options = [new OptionObject(TextObject.Mrkdwn("*x*"), "x")] })]);
        e = await Assert.ThrowsAsync<SlackApiException>(() => client.ViewsOpenAsync(slack.NewTriggerId(), badOption, CancellationToken.None));
        Assert.Contains(e.Messages, m => m.Contains("/options/0/text: bad text type mrkdwn"));
    }

    [Fact]
    public async Task AHomeTab_IsPublished_PerUser_AndAModalIsNotAHome()
    {
        var home = Views.Home([Blocks.Header("Your access"), Blocks.Section("Nothing active.")]);
        var published = await client.ViewsPublishAsync("U0ALICE", home, CancellationToken.None);

        Assert.Equal("home", (string?)slack.Home("U0ALICE")!["type"]);
        Assert.Null(slack.Home("U0BOB"));
        Assert.NotNull(published.Hash);
        Assert.Equal("invalid_arguments",
            (await Assert.ThrowsAsync<SlackApiException>(() => client.ViewsPublishAsync("U0ALICE", Form(), CancellationToken.None))).Error);
        Assert.Single(slack.CallsTo("views.publish"), c => c.Response?["ok"]?.GetValue<bool>() == true);
        Assert.Equal("Your access", (string?)slack.CallsTo("views.publish")[0].View!["blocks"]![0]!["text"]!["text"]);
    }
}
