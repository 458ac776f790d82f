using JitBot.IntegrationTests.Infrastructure;
using JitBot.Slack.Api;
using JitBot.Slack.BlockKit;

namespace JitBot.IntegrationTests.Slack;

/// <summary>The fake Slack must catch what real Slack would refuse, or the end-to-end tests prove little.</summary>
public sealed class FakeSlackTests : IAsyncLifetime
{
    FakeSlack slack = null!;
    SlackApiClient client = null!;

    public async Task InitializeAsync()
    {
        slack = await FakeSlack.StartAsync();
        client = new SlackApiClient(new HttpClient(), new SlackApiSettings(FakeSlack.Token, slack.ApiBaseUrl), TimeProvider.System);
    }

    public async Task DisposeAsync() => await slack.DisposeAsync();

    [Fact]
    public async Task TooManyBlocks_AreRefused_AndFlagged()
    {
        var blocks = Enumerable.Range(0, 51).Select(_ => (Block)new DividerBlock()).ToList();
        var e = await Assert.ThrowsAsync<SlackApiException>(() => client.Chat.PostMessageAsync(new ChatMessage("C1", "x", blocks), CancellationToken.None));
        Assert.Equal("invalid_blocks", e.Error);
        Assert.Contains(slack.Problems, p => p.Contains("51 blocks"));
    }

    [Fact]
    public async Task OverlongSectionAndButton_AndMissingFallback_AreRefused()
    {
        Block[] blocks =
        [
            new SectionBlock(TextObject.Mrkdwn(new string('a', 3001))),
            new ActionsBlock([new ButtonElement(TextObject.Plain(new string('b', 76)), new string('c', 256))]),
        ];
        await Assert.ThrowsAsync<SlackApiException>(() => client.Chat.PostMessageAsync(new ChatMessage("C1", "", blocks), CancellationToken.None));
        Assert.Contains(slack.Problems, p => p.Contains("fallback"));
        Assert.Contains(slack.Problems, p => p.Contains("/blocks/0/text: 3001"));
        Assert.Contains(slack.Problems, p => p.Contains("/blocks/1/elements/0/text: 76"));
        Assert.Contains(slack.Problems, p => p.Contains("action_id"));
    }

    [Fact]
    public async Task WrongToken_IsInvalidAuth()
    {
        var other = new SlackApiClient(new HttpClient(), new SlackApiSettings("xoxb-wrong", slack.ApiBaseUrl), TimeProvider.System);
        var e = await Assert.ThrowsAsync<SlackApiException>(() => other.Users.InfoAsync("U1", CancellationToken.None));
        Assert.Equal("invalid_auth", e.Error);
    }

    [Fact]
    public async Task RateLimit_IsRetriedByTheClient()
    {
        slack.RateLimit("chat.postMessage", times: 2, retryAfterSeconds: 0);
        var posted = await client.Chat.PostMessageAsync(new ChatMessage("C1", "hello"), CancellationToken.None);
        Assert.Equal("C1", posted.Channel);
        Assert.Equal(2, slack.Calls.Count(c => c.Method == "chat.postMessage (429)"));
        Assert.Single(slack.CallsTo("chat.postMessage"));
    }

    [Fact]
    public async Task GroupMembership_CanChangeDuringATest()
    {
        slack.SetGroup("S1", "U1", "U2");
        Assert.Equal(["U1", "U2"], await client.UserGroups.UsersListAsync("S1", CancellationToken.None));
        slack.SetGroup("S1", "U2");
        Assert.Equal(["U2"], await client.UserGroups.UsersListAsync("S1", CancellationToken.None));
        var e = await Assert.ThrowsAsync<SlackApiException>(() => client.UserGroups.UsersListAsync("S9", CancellationToken.None));
        Assert.Equal("no_such_subteam", e.Error);
    }

    [Fact]
    public async Task DirectMessage_ToAUserId_LandsInAnImChannel()
    {
        var posted = await client.Chat.PostMessageAsync(new ChatMessage("U0ABC", "hi"), CancellationToken.None);
        Assert.Equal("D0ABC", posted.Channel);
    }

    [Fact]
    public async Task UsersList_ListsEveryKnownUser_InPagesOfTheLimit_FollowingTheCursor()
    {
        slack.SetChannel("C1", "U0ANA", "U0BOB");
        slack.SetGroup("S1", "U0CAT");
        slack.SetBots("U0BOT");
        slack.Deactivate("U0GONE");

        var users = new List<SlackUserInfo>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var page = await client.Users.ListAsync(cursor, 2, CancellationToken.None);
            Assert.True(page.Members.Count <= 2);
            users.AddRange(page.Members);
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(4, pages);
        Assert.Equal(["U0ANA", "U0BOB", "U0BOT", "U0CAT", "U0GONE", FakeSlack.BotUserId, "USLACKBOT"], users.Select(u => u.Id));
        Assert.True(users.Single(u => u.Id == "U0BOT").IsBot);
        Assert.True(users.Single(u => u.Id == "U0GONE").Deleted);
        Assert.Equal(2, users.Count(u => u.IsBot || u.Deleted));
        var e = await Assert.ThrowsAsync<SlackApiException>(() => client.Users.ListAsync("not-a-cursor", 2, CancellationToken.None));
        Assert.Equal("invalid_cursor", e.Error);
    }
}
