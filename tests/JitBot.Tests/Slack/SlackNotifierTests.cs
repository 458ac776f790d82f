using System.Collections.Concurrent;
using System.Text.Json;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Slack;
using JitBot.Slack.Api;
using JitBot.SlackApp;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace JitBot.Tests.Slack;

public class SlackNotifierTests
{
    sealed class MemoryRefs : IMessageRefStore
    {
        public ConcurrentDictionary<(RequestId, string), MessageRef> Refs { get; } = new();
        public Task SaveAsync(MessageRef reference, CancellationToken cancellationToken)
        {
            Refs[(reference.RequestId, reference.Kind)] = reference;
            return Task.CompletedTask;
        }
        public Task<MessageRef?> FindAsync(RequestId requestId, string kind, CancellationToken cancellationToken) =>
            Task.FromResult(Refs.TryGetValue((requestId, kind), out var r) ? r : null);
    }

    readonly ISlackApiClient slack = Substitute.For<ISlackApiClient>();
    readonly IChatApi chat = Substitute.For<IChatApi>();
    readonly MemoryRefs refs = new();
    readonly List<ChatMessage> posts = [];
    readonly List<ChatUpdate> updates = [];
    readonly SlackNotifier notifier;
    int ts;

    public SlackNotifierTests()
    {
        slack.Chat.Returns(chat);
        chat.PostMessageAsync(Arg.Any<ChatMessage>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var m = call.Arg<ChatMessage>();
            lock (posts) posts.Add(m);
            var channel = m.Channel.StartsWith('U') ? "D0DM" : m.Channel;
            return new PostedMessage(channel, $"1700000000.{Interlocked.Increment(ref ts):D6}");
        });
        chat.UpdateAsync(Arg.Do<ChatUpdate>(u => updates.Add(u)), Arg.Any<CancellationToken>()).Returns(Task.CompletedTask);
        notifier = new SlackNotifier(slack, refs, new IncidentAnnouncements(slack, refs, new FakeTimeProvider(Samples.Now)), new FakeTimeProvider(Samples.Now), NullLogger<SlackNotifier>.Instance);
    }

    static AccessRequest Pending(int count = 1) =>
        Samples.Request(RequestState.Pending, Samples.Decision(DecisionOutcome.ApprovalRequired, Samples.Plan(count)), "deploy <!channel> now");

    [Fact]
    public async Task ApprovalNeeded_PostsToTheApprovalChannel_AndRemembersTheMessage()
    {
        await notifier.ApprovalNeededAsync(Pending(), CancellationToken.None);

        var post = Assert.Single(posts);
        Assert.Equal("C0APPROVALS", post.Channel);
        Assert.NotNull(post.Blocks);
        Assert.False(string.IsNullOrWhiteSpace(post.Text));
        var saved = refs.Refs[(new RequestId("req_test0000001"), "approval")];
        Assert.Equal("C0APPROVALS", saved.Channel);
        Assert.StartsWith("1700000000.", saved.Ts);
    }

    [Fact]
    public async Task ApprovalNeeded_CalledTwice_PostsOnce()
    {
        await notifier.ApprovalNeededAsync(Pending(), CancellationToken.None);
        await notifier.ApprovalNeededAsync(Pending(), CancellationToken.None);
        Assert.Single(posts);
    }

    [Fact]
    public async Task Granted_UpdatesTheMessageInPlace_RepliesInThread_AndDmsTheRequester()
    {
        await notifier.ApprovalNeededAsync(Pending(), CancellationToken.None);
        var approval = refs.Refs[(new RequestId("req_test0000001"), "approval")];
        var granted = Pending() with
        {
            State = RequestState.Granted, DecidedBy = "U0APPROVER",
            Votes = [new ApprovalVote("U0APPROVER", true, Samples.Now)],
        };

        await notifier.GrantStartedAsync(granted, Samples.Grant(), CancellationToken.None);
        await notifier.GrantStartedAsync(granted, Samples.Grant(), CancellationToken.None); // a retry

        Assert.Equal(2, updates.Count);
        Assert.All(updates, u => Assert.Equal((approval.Channel, approval.Ts), (u.Channel, u.Ts)));
        var updated = JsonSerializer.Serialize(updates[0].Blocks, SlackJson.Options);
        Assert.Contains("Approved", updated);
        Assert.DoesNotContain("jitbot.approve", updated);

        var thread = Assert.Single(posts, p => p.ThreadTs == approval.Ts);
        Assert.Equal("C0APPROVALS", thread.Channel);
        var dm = Assert.Single(posts, p => p.Channel == "U0REQUESTER");
        var dmText = JsonSerializer.Serialize(dm.Blocks, SlackJson.Options);
        Assert.Contains("<!date^", dmText);
        Assert.Contains("in 2 hours", dmText);
    }

    [Fact]
    public async Task AutoApprovedGrant_DmsTheRequester_WithoutAnApprovalMessage()
    {
        var request = Samples.Request(RequestState.Granted, Samples.Decision(DecisionOutcome.AutoApproved));
        await notifier.GrantStartedAsync(request, Samples.Grant(), CancellationToken.None);
        Assert.Empty(updates);
        Assert.Equal("U0REQUESTER", Assert.Single(posts).Channel);
    }

    [Theory]
    [InlineData(RequestState.Rejected, "denied your request")]
    [InlineData(RequestState.TimedOut, "timed out")]
    public async Task Closed_UpdatesMessage_AndTellsTheRequester(RequestState state, string dmSays)
    {
        await notifier.ApprovalNeededAsync(Pending(), CancellationToken.None);
        await notifier.RequestClosedAsync(Pending() with { State = state, DecidedBy = state == RequestState.Rejected ? "U0APPROVER" : null },
            CancellationToken.None);
        Assert.Single(updates);
        var dm = Assert.Single(posts, p => p.Channel == "U0REQUESTER");
        Assert.Contains(dmSays, dm.Text);
    }

    [Fact]
    public async Task Ended_SendsTheExpiryNotice_ToRequesterAndThread()
    {
        await notifier.ApprovalNeededAsync(Pending(), CancellationToken.None);
        var grant = Samples.Grant() with { State = GrantState.Expired, EndedAt = Samples.Now.AddHours(2) };
        await notifier.GrantEndedAsync(Pending() with { State = RequestState.Granted }, grant, CancellationToken.None);
        Assert.Contains(posts, p => p.Channel == "U0REQUESTER" && p.Text.Contains("expired"));
        Assert.Contains(posts, p => p.ThreadTs is not null && p.Text.Contains("expired"));
    }

    [Fact]
    public async Task EveryMessage_EscapesTheReason()
    {
        await notifier.ApprovalNeededAsync(Pending(), CancellationToken.None);
        await notifier.ApprovalRecordedAsync(Pending(2) with { Votes = [new ApprovalVote("U0A", true, Samples.Now)] },
            new ApprovalVote("U0A", true, Samples.Now), CancellationToken.None);
        await notifier.GrantStartedAsync(Pending() with { State = RequestState.Granted }, Samples.Grant(), CancellationToken.None);
        var everything = JsonSerializer.Serialize(new { posts, updates }, SlackJson.Options);
        Assert.DoesNotContain("<!channel>", everything);
        Assert.Contains("&lt;!channel&gt;", everything);
    }

    [Fact]
    public async Task APostSlacksLimitsHoldBack_DefersTheNotice_AndTheRetryGoesOnWhereItStopped()
    {
        await notifier.ApprovalNeededAsync(Pending(), CancellationToken.None);
        var granted = Pending() with { State = RequestState.Granted, DecidedBy = "U0APPROVER", Votes = [new ApprovalVote("U0APPROVER", true, Samples.Now)] };
        var retryAt = Samples.Now.AddSeconds(1);
        var heldBack = 1;
        chat.PostMessageAsync(Arg.Is<ChatMessage>(m => m.Channel == "U0REQUESTER"), Arg.Any<CancellationToken>()).Returns(call =>
        {
            if (Interlocked.Decrement(ref heldBack) >= 0) throw new SlackRateLimitedException("chat.postMessage", retryAt);
            var m = call.Arg<ChatMessage>();
            lock (posts) posts.Add(m);
            return new PostedMessage("D0DM", "1700000001.000001");
        });

        var deferred = await Assert.ThrowsAsync<NoticeDeferredException>(() => notifier.GrantStartedAsync(granted, Samples.Grant(), CancellationToken.None));
        Assert.Equal(retryAt, deferred.RetryAt);
        Assert.Empty(updates); // the update of the approval message comes last
        await notifier.GrantStartedAsync(granted, Samples.Grant(), CancellationToken.None);

        Assert.Single(posts, p => p.ThreadTs is not null); // the thread reply was not posted again
        Assert.Single(posts, p => p.Channel == "U0REQUESTER");
        Assert.Single(updates);
    }

    [Fact]
    public async Task AVoteToldAfterTheRequestWasDecided_DoesNotSayMoreApprovalsAreNeeded()
    {
        await notifier.ApprovalNeededAsync(Pending(2), CancellationToken.None);
        var vote = new ApprovalVote("U0APPROVER", true, Samples.Now);

        await notifier.ApprovalRecordedAsync(Pending(2) with { State = RequestState.Rejected, DecidedBy = "U0OTHER", Votes = [vote] }, vote, CancellationToken.None);

        var reply = Assert.Single(posts, p => p.ThreadTs is not null);
        Assert.DoesNotContain("More approvals are needed", reply.Text);
        Assert.Contains("approved", reply.Text);
    }

    [Fact]
    public async Task AnApprovalRequestToldAfterItWasDecided_ShowsTheOutcome_WithoutButtons()
    {
        var denied = Pending() with { State = RequestState.Rejected, DecidedBy = "U0APPROVER" };

        await notifier.ApprovalNeededAsync(denied, CancellationToken.None);

        var blocks = JsonSerializer.Serialize(Assert.Single(posts).Blocks, SlackJson.Options);
        Assert.Contains("Denied", blocks);
        Assert.DoesNotContain("jitbot.approve", blocks);
    }
}
