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

    /// <summary>Walks the channel page by page, as the incident lifecycle does, checking every member as it comes.</summary>
    async Task<Dictionary<string, bool>> CheckEveryMemberAsync(string channel)
    {
        var people = new Dictionary<string, bool>(StringComparer.Ordinal);
        await foreach (var page in Members.MemberPagesAsync(channel, CancellationToken.None))
            foreach (var member in page)
                people[member] = await Members.IsActivePersonAsync(member, CancellationToken.None);
        return people;
    }

    static List<SlackCall> FirstPages(IEnumerable<SlackCall> calls) => calls.Where(c => c.Arg("cursor") is null).ToList();

    [Fact]
    public async Task EveryMemberOfA5000Channel_IsChecked_WithAFewUsersListPages_AndNoUsersInfo()
    {
        var everyone = Enumerable.Range(1, 5000).Select(i => $"U{i:D8}").ToArray();
        slack.SetChannel("C0BIG", everyone);
        slack.SetBots(everyone[2500]);
        slack.Deactivate(everyone[3001]);

        var people = await CheckEveryMemberAsync("C0BIG");

        Assert.Equal(5000, people.Count);
        Assert.False(people[everyone[2500]]);
        Assert.False(people[everyone[3001]]);
        Assert.Equal(4998, people.Values.Count(p => p));
        // 5,002 users in the workspace (with Slackbot and JitBot's own user): 6 pages of at most 1,000, read once.
        var lists = slack.CallsTo("users.list");
        Assert.Equal(6, lists.Count);
        Assert.All(lists, c => Assert.Equal("1000", c.Arg("limit")));
        Assert.Single(FirstPages(lists));
        Assert.Empty(slack.CallsTo("users.info"));
    }

    [Fact]
    public async Task AUserWhoJoinsAfterTheSnapshot_IsAskedWithUsersInfo_WithoutReadingTheWorkspaceAgain()
    {
        var members = Enumerable.Range(1, 300).Select(i => $"U{i:D8}").ToArray();
        slack.SetChannel("C0INC", members);
        await CheckEveryMemberAsync("C0INC");
        Assert.Empty(slack.CallsTo("users.info"));

        slack.SetChannel("C0INC", [.. members, "U0JOINER1", "U0JOINBOT"]);
        slack.SetBots("U0JOINBOT");

        Assert.True(await Members.IsActivePersonAsync("U0JOINER1", CancellationToken.None));
        Assert.False(await Members.IsActivePersonAsync("U0JOINBOT", CancellationToken.None));
        Assert.Equal(["U0JOINER1", "U0JOINBOT"], slack.CallsTo("users.info").Select(c => c.Arg("user")));
        Assert.Single(FirstPages(slack.CallsTo("users.list")));
    }

    [Fact]
    public async Task ConcurrentCallers_ShareOneWorkspaceLoad()
    {
        var members = Enumerable.Range(1, 400).Select(i => $"U{i:D8}").ToArray();
        slack.SetChannel("C0INC", members);
        slack.Deactivate(members[200]);
        Assert.False(await Members.IsActivePersonAsync(FakeSlack.BotUserId, CancellationToken.None)); // auth.test, once
        await foreach (var _ in Members.MemberPagesAsync("C0INC", CancellationToken.None)) { }

        List<Task<bool>> checks;
        using (var held = slack.Hold("users.list"))
        {
            // Every caller asks while the one load is in flight and held by Slack.
            checks = members.Select(m => Members.IsActivePersonAsync(m, CancellationToken.None)).ToList();
            await held.Arrived.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.DoesNotContain(checks, c => c.IsCompleted);
        }
        var people = await Task.WhenAll(checks);

        Assert.Equal(399, people.Count(p => p));
        Assert.False(people[200]);
        Assert.Single(slack.CallsTo("users.list"));
        Assert.Empty(slack.CallsTo("users.info"));
    }

    [Fact]
    public async Task ManyLookupsWithoutAChannelWalk_SwitchToTheWorkspaceList_AtTheThreshold()
    {
        var users = Enumerable.Range(1, SlackChannelMembers.BulkAfter + 30).Select(i => $"U{i:D8}").ToArray();
        slack.AddUsers(users);

        foreach (var user in users) Assert.True(await Members.IsActivePersonAsync(user, CancellationToken.None));

        Assert.Equal(SlackChannelMembers.BulkAfter - 1, slack.CallsTo("users.info").Count);
        Assert.Single(slack.CallsTo("users.list"));
    }

    [Fact]
    public async Task TheSnapshot_IsKeptForTheCacheTime_ThenReadAgain()
    {
        var members = Enumerable.Range(1, 300).Select(i => $"U{i:D8}").ToArray();
        slack.SetChannel("C0INC", members);
        Assert.True((await CheckEveryMemberAsync("C0INC"))[members[7]]);
        slack.Deactivate(members[7]);

        clock.Advance(SlackChannelMembers.CacheFor - TimeSpan.FromSeconds(1));
        Assert.True((await CheckEveryMemberAsync("C0INC"))[members[7]]);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False((await CheckEveryMemberAsync("C0INC"))[members[7]]);

        Assert.Equal(2, FirstPages(slack.CallsTo("users.list")).Count);
        Assert.Empty(slack.CallsTo("users.info"));
    }

    [Theory]
    [InlineData("missing_scope", "users:read")]
    [InlineData("internal_error", "Try again in a few minutes")]
    public async Task UsersListFailing_IsUnavailable_WithTheSameSentences(string error, string advice)
    {
        slack.SetChannel("C0INC", Enumerable.Range(1, 300).Select(i => $"U{i:D8}").ToArray());
        slack.Fail("users.list", error);

        var e = await Assert.ThrowsAsync<ChannelMembersUnavailableException>(() => CheckEveryMemberAsync("C0INC"));

        Assert.Contains(advice, e.Message);
        Assert.Empty(slack.CallsTo("users.info"));
        // Not kept: once Slack answers again, the next lookup reads the workspace.
        slack.Fail("users.list", null);
        Assert.True(await Members.IsActivePersonAsync("U00000001", CancellationToken.None));
    }

    [Fact]
    public async Task UsersListRateLimitedPastTheRetries_IsUnavailable_WithAdviceToWait()
    {
        slack.SetChannel("C0INC", Enumerable.Range(1, 300).Select(i => $"U{i:D8}").ToArray());
        slack.RateLimit("users.list", times: 10, retryAfterSeconds: 120);

        var e = await Assert.ThrowsAsync<ChannelMembersUnavailableException>(() => CheckEveryMemberAsync("C0INC"));

        Assert.Contains("rate limiting", e.Message);
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
