using JitBot.Incidents;
using JitBot.IntegrationTests.Infrastructure;
using JitBot.SlackApp;
using Microsoft.Extensions.DependencyInjection;

namespace JitBot.IntegrationTests.Slack;

/// <summary>
/// <see cref="IChannelMembers"/> as the real host wires it (the real API client, over 127.0.0.1, against the fake
/// Slack): every member of a large channel page by page, who is a person, and Slack's refusals as sentences.
/// </summary>
public sealed class ChannelMembersTests : IAsyncLifetime
{
    FakeSlack slack = null!;
    BotHost bot = null!;
    readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero));

    IChannelMembers Members => bot.Services.GetRequiredService<IChannelMembers>();

    public async Task InitializeAsync()
    {
        slack = await FakeSlack.StartAsync();
        bot = BotHost.Start(slack, clock);
    }

    public async Task DisposeAsync()
    {
        await bot.DisposeAsync();
        await slack.DisposeAsync();
    }

    async Task<List<IReadOnlyList<string>>> PagesAsync(string channel)
    {
        var pages = new List<IReadOnlyList<string>>();
        await foreach (var page in Members.MemberPagesAsync(channel, CancellationToken.None)) pages.Add(page);
        return pages;
    }

    [Fact]
    public async Task AChannelOf5000_IsRead_In25PagesOf200_EveryMemberOnce_InSlacksOrder()
    {
        var everyone = Enumerable.Range(1, 5000).Select(i => $"U{i:D8}").ToArray();
        slack.SetChannel("C0BIG", everyone);

        var pages = await PagesAsync("C0BIG");

        Assert.Equal(25, pages.Count);
        Assert.All(pages, p => Assert.Equal(SlackChannelMembers.PageSize, p.Count));
        Assert.Equal(everyone, pages.SelectMany(p => p));
        var calls = slack.CallsTo("conversations.members");
        Assert.Equal(25, calls.Count);
        Assert.All(calls, c => Assert.Equal("200", c.Arg("limit")));
        Assert.Null(calls[0].Arg("cursor"));
        Assert.All(calls.Skip(1), c => Assert.False(string.IsNullOrEmpty(c.Arg("cursor"))));
    }

    [Fact]
    public async Task ASmallChannel_IsOnePage()
    {
        slack.SetChannel("C0SMALL", "U0PAY0001", "U0PAY0002");
        var page = Assert.Single(await PagesAsync("C0SMALL"));
        Assert.Equal(["U0PAY0001", "U0PAY0002"], page);
    }

    [Fact]
    public async Task BotsDeactivatedUsersSlackbotAndJitBotItself_AreNotPeople()
    {
        slack.SetBots("U0SOMEBOT");
        slack.Deactivate("U0GONE");

        Assert.True(await Members.IsActivePersonAsync("U0PAY0001", CancellationToken.None));
        Assert.False(await Members.IsActivePersonAsync("U0SOMEBOT", CancellationToken.None));
        Assert.False(await Members.IsActivePersonAsync("U0GONE", CancellationToken.None));
        Assert.False(await Members.IsActivePersonAsync(SlackChannelMembers.Slackbot, CancellationToken.None));
        // The fake Slack does not mark JitBot's own user as a bot: it is recognised by its id (auth.test).
        Assert.False(await Members.IsActivePersonAsync(FakeSlack.BotUserId, CancellationToken.None));
        Assert.False(await Members.IsActivePersonAsync("W-not-a-user", CancellationToken.None));
    }

    [Fact]
    public async Task WhoIsAPerson_IsCachedBriefly_ThenAskedAgain()
    {
        Assert.True(await Members.IsActivePersonAsync("U0PAY0002", CancellationToken.None));
        slack.Deactivate("U0PAY0002");

        Assert.True(await Members.IsActivePersonAsync("U0PAY0002", CancellationToken.None));
        Assert.Single(slack.CallsTo("users.info"), c => c.Arg("user") == "U0PAY0002");

        clock.Advance(SlackChannelMembers.CacheFor);
        Assert.False(await Members.IsActivePersonAsync("U0PAY0002", CancellationToken.None));
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "not_in_channel", "Invite it (/invite @JitBot)" },
        { "channel_not_found", "invite JitBot to it (/invite @JitBot)" },
        { "missing_scope", "channels:read, groups:read" },
        { "invalid_auth", "Tell the JitBot admins" },
        { "internal_error", "Try again in a few minutes" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task SlacksRefusals_BecomeASentenceThatSaysWhatToDo(string error, string advice)
    {
        slack.SetChannel("C0NOPE", "U0PAY0001");
        slack.Fail("conversations.members", error);

        var e = await Assert.ThrowsAsync<ChannelMembersUnavailableException>(() => PagesAsync("C0NOPE"));

        Assert.Contains(advice, e.Message);
        Assert.DoesNotContain(FakeSlack.Token, e.ToString());
    }

    [Fact]
    public async Task AChannelJitBotIsNotIn_AsTheFakeAnswersIt_SaysToInviteJitBot()
    {
        slack.SetChannelWithoutBot("C0PRIVATE");
        var e = await Assert.ThrowsAsync<ChannelMembersUnavailableException>(() => PagesAsync("C0PRIVATE"));
        Assert.Contains("/invite @JitBot", e.Message);
    }

    [Fact]
    public async Task RateLimitedPastTheRetries_IsUnavailable_WithAdviceToWait()
    {
        slack.SetChannel("C0BUSY", "U0PAY0001");
        slack.RateLimit("conversations.members", times: 10, retryAfterSeconds: 120);

        var e = await Assert.ThrowsAsync<ChannelMembersUnavailableException>(() => PagesAsync("C0BUSY"));

        Assert.Contains("rate limiting", e.Message);
    }

    [Fact]
    public async Task UsersInfoFailing_IsUnavailable_NotAnAnswer()
    {
        slack.Fail("users.info", "internal_error");
        var e = await Assert.ThrowsAsync<ChannelMembersUnavailableException>(() => Members.IsActivePersonAsync("U0PAY0001", CancellationToken.None));
        Assert.Contains("Try again", e.Message);
    }
}
