using System.Collections.Concurrent;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Slack.Api;
using JitBot.Slack.BlockKit;
using JitBot.SlackApp;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace JitBot.Tests.Slack;

/// <summary>
/// One direct message for several of a person's grants (<see cref="SlackGroupedGrantNotifier"/>,
/// <see cref="GroupedGrantMessage"/>): every grant named with its short id and time, Slack's limits kept, user text
/// escaped, each grant remembered so a repeat sends nothing twice, and the stale rule for "you have access".
/// </summary>
public sealed class GroupedGrantNoticeTests
{
    readonly ISlackApiClient slack = Substitute.For<ISlackApiClient>();
    readonly IChatApi chat = Substitute.For<IChatApi>();
    readonly ConcurrentDictionary<(RequestId, string), MessageRef> refs = new();
    readonly IMessageRefStore refStore = Substitute.For<IMessageRefStore>();
    readonly List<ChatMessage> posts = [];
    readonly SlackGroupedGrantNotifier notifier;

    public GroupedGrantNoticeTests()
    {
        slack.Chat.Returns(chat);
        chat.PostMessageAsync(Arg.Any<ChatMessage>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            lock (posts) posts.Add(call.Arg<ChatMessage>());
            return new PostedMessage("D0DM", $"1700000000.{posts.Count:D6}");
        });
        refStore.SaveAsync(Arg.Any<MessageRef>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var r = call.Arg<MessageRef>();
            refs.TryAdd((r.RequestId, r.Kind), r);
            return Task.CompletedTask;
        });
        refStore.SaveAllAsync(Arg.Any<IReadOnlyList<MessageRef>>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            foreach (var r in call.Arg<IReadOnlyList<MessageRef>>()) refs.TryAdd((r.RequestId, r.Kind), r);
            return Task.CompletedTask;
        });
        refStore.FindAsync(Arg.Any<RequestId>(), Arg.Any<string>(), Arg.Any<CancellationToken>())
            .Returns(call => refs.TryGetValue((call.ArgAt<RequestId>(0), call.ArgAt<string>(1)), out var r) ? r : null);
        notifier = new SlackGroupedGrantNotifier(slack, refStore, new FakeTimeProvider(Samples.Now), NullLogger<SlackGroupedGrantNotifier>.Instance);
    }

    static GrantNotice Notice(int i, string resource, GrantState state = GrantState.Expired, DateTimeOffset? endedAt = null)
    {
        var request = Samples.Request(RequestState.Granted, Samples.Decision(DecisionOutcome.AutoApproved)) with
        {
            Id = new RequestId($"req_group{i:0000000}"), ResourceId = resource,
        };
        var grant = Samples.Grant(Samples.Now.AddHours(-2)) with
        {
            Id = new GrantId($"grt_group{i:0000000}"), RequestId = request.Id, ResourceId = resource, State = state,
            EndedAt = state == GrantState.Active ? null : endedAt ?? Samples.Now.AddSeconds(-30),
        };
        return new GrantNotice(request, grant);
    }

    static string AllText(ChatMessage m) => string.Join("\n", m.Blocks!.OfType<SectionBlock>().Select(b => b.Text!.Text));

    [Fact]
    public async Task SeveralExpiries_AreOneMessage_NamingEachResourceAndGrant_WithItsEnd()
    {
        var notices = Enumerable.Range(1, 14).Select(i => Notice(i, $"db-{i:00}")).ToList();

        await notifier.GrantsEndedAsync(notices, CancellationToken.None);

        var post = Assert.Single(posts);
        Assert.Equal("U0REQUESTER", post.Channel);
        var text = AllText(post);
        Assert.StartsWith(":lock: Your access to `db-01`, `db-02` and 12 more expired:", text);
        foreach (var n in notices)
            Assert.Contains($"• `{n.Request.ResourceId}` (grant `{n.Grant.Id.Short}`)", text);
        Assert.Contains(Mrkdwn.Date(Samples.Now.AddSeconds(-30)), text);
        Assert.Contains("Need more time? Ask again with `/access` and the resource.", text);
        Assert.StartsWith(":lock: Your access to `db-01`", post.Text);
        Assert.All(notices, n => Assert.Equal("1700000000.000001", refs[(n.Request.Id, SlackNotifier.EndedDm)].Ts));
    }

    [Fact]
    public async Task ARepeat_SendsNothingTwice_AndOnlyWhatWasNotSent()
    {
        var notices = Enumerable.Range(1, 3).Select(i => Notice(i, $"db-{i}")).ToList();
        await notifier.GrantsEndedAsync(notices.Take(2).ToList(), CancellationToken.None);

        await notifier.GrantsEndedAsync(notices, CancellationToken.None); // a retry after a crash, the group formed again
        await notifier.GrantsEndedAsync(notices, CancellationToken.None);

        Assert.Equal(2, posts.Count);
        Assert.StartsWith(":lock: Your access to `db-3` expired:", AllText(posts[1]));
        Assert.DoesNotContain("db-1", AllText(posts[1]));
        Assert.Contains("Ask again with `/access db-3`", AllText(posts[1]));
    }

    [Fact]
    public async Task YouHaveAccess_LeavesOutGrantsThatEnded_AndTheirEndSaysWhenTheyWereGranted()
    {
        var live = Notice(1, "db-live", GrantState.Active) with { };
        live = live with { Grant = live.Grant with { ExpiresAt = Samples.Now.AddHours(1) } };
        var ended = Notice(2, "db-ended", GrantState.Expired);
        var overdue = Notice(3, "db-overdue", GrantState.Active); // due to end: its revocation has not run yet

        await notifier.GrantsStartedAsync([live, ended, overdue], CancellationToken.None);

        var started = AllText(Assert.Single(posts));
        Assert.StartsWith(":white_check_mark: You have access to `db-live`:", started);
        Assert.Contains($"ends {SlackTime.When(Samples.Now.AddHours(1), Samples.Now)} (grant `{live.Grant.Id.Short}`)", started);
        Assert.DoesNotContain("db-ended", started);
        Assert.DoesNotContain("db-overdue", started);

        await notifier.GrantsEndedAsync([live with { Grant = live.Grant with { State = GrantState.Revoked, EndedAt = Samples.Now } }, ended], CancellationToken.None);
        var end = AllText(posts[1]);
        Assert.StartsWith(":lock: Your access to `db-live` and `db-ended` ended:", end);
        Assert.Contains("• `db-live` (grant `" + live.Grant.Id.Short + "`) was revoked", end);
        Assert.Contains("• `db-ended` (grant `" + ended.Grant.Id.Short + "`), granted ", end);
    }

    [Fact]
    public async Task TheMessage_KeepsToSlacksLimits_AndEscapesWhatPeopleTyped()
    {
        var notices = Enumerable.Range(1, NoticeGroups.MaxSize).Select(i => Notice(i, $"<!channel>&{new string('x', 400)}{i}")).ToList();

        await notifier.GrantsEndedAsync(notices, CancellationToken.None);

        var post = Assert.Single(posts);
        Assert.InRange(post.Blocks!.Count, 3, BlockLimits.BlocksPerMessage);
        Assert.All(post.Blocks.OfType<SectionBlock>(), b => Assert.InRange(b.Text!.Text.Length, 1, BlockLimits.SectionText));
        Assert.InRange(post.Text.Length, 1, BlockLimits.FallbackText);
        Assert.DoesNotContain("<!channel>", AllText(post) + post.Text);
        Assert.Contains("&lt;!channel&gt;&amp;", AllText(post));
        Assert.Equal(NoticeGroups.MaxSize, AllText(post).Split('\n').Count(l => l.StartsWith("• ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task SlacksLimits_DeferTheWholeMessage()
    {
        chat.PostMessageAsync(Arg.Any<ChatMessage>(), Arg.Any<CancellationToken>())
            .Returns<PostedMessage>(_ => throw new SlackRateLimitedException("chat.postMessage", Samples.Now.AddSeconds(1)));

        var deferred = await Assert.ThrowsAsync<NoticeDeferredException>(() =>
            notifier.GrantsEndedAsync([Notice(1, "db-1"), Notice(2, "db-2")], CancellationToken.None));

        Assert.Equal(Samples.Now.AddSeconds(1), deferred.RetryAt);
        Assert.Empty(refs);
    }

    [Theory]
    [InlineData(1, "`r1`")]
    [InlineData(2, "`r1` and `r2`")]
    [InlineData(3, "`r1`, `r2` and `r3`")]
    [InlineData(14, "`r1`, `r2` and 12 more")]
    public void Names_ShowTheFirstResources(int count, string expected) =>
        Assert.Equal(expected, GroupedGrantMessage.Names(Enumerable.Range(1, count).Select(i => $"r{i}").ToList()));
}
