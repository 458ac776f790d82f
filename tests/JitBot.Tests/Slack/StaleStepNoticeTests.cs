using JitBot.Policies;
using JitBot.Requests;
using JitBot.Slack.Api;
using JitBot.SlackApp;
using JitBot.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace JitBot.Tests.Slack;

/// <summary>
/// A reminder or an escalation still in the outbox when the request was decided sends nothing when it is delivered
/// (through the real outbox, store and Slack notifier); one delivered while the request waits is posted.
/// </summary>
public sealed class StaleStepNoticeTests : IAsyncLifetime
{
    const string Requester = "U0REQUESTER";
    readonly CoreHarness h = new();
    readonly List<ChatMessage> posts = [];
    NotificationDispatcher slackOutbox = null!;
    CancellationToken Ct => CancellationToken.None;

    public Task InitializeAsync()
    {
        h.Policy.RequireApproval("payments-db", TimeSpan.FromHours(1),
            new ApprovalPlan("C0PAYMENTS", [new ApprovalRequirement(FakePolicy.Group("@payments-oncall", "S0ONCALL"), 1)], TimeSpan.FromHours(1))
            {
                RemindAfter = TimeSpan.FromMinutes(20),
                Escalation = new ApprovalEscalation(TimeSpan.FromMinutes(40), FakePolicy.Group("@payments-leads", "S0LEADS"), "C0LEADS"),
            });
        h.Directory_.Add("S0ONCALL", "U0ALICE");
        var chat = Substitute.For<IChatApi>();
        chat.PostMessageAsync(Arg.Any<ChatMessage>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            lock (posts) posts.Add(call.Arg<ChatMessage>());
            return new PostedMessage(call.Arg<ChatMessage>().Channel, $"1700000000.{posts.Count:D6}");
        });
        var slack = Substitute.For<ISlackApiClient>();
        slack.Chat.Returns(chat);
        var services = new ServiceCollection()
            .AddSingleton<IAccessNotifier>(new SlackNotifier(slack, h.Store, new IncidentAnnouncements(slack, h.Store, h.Time), h.Time, NullLogger<SlackNotifier>.Instance))
            .BuildServiceProvider();
        slackOutbox = new NotificationDispatcher(h.Store, h.Signal, services.GetRequiredService<IServiceScopeFactory>(), h.Time,
            NullLogger<NotificationDispatcher>.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    [Fact]
    public async Task StepsDeliveredAfterTheDecision_SendNothing()
    {
        var id = (await h.SubmitAsync(Requester, "payments-db")).Request.Id;
        h.Time.Advance(TimeSpan.FromMinutes(45));
        Assert.Equal(2, await h.Steps.RunDueAsync(id, Ct));
        Assert.Equal(ApprovalVerdict.Approved, (await h.Requests.ApproveAsync(id, "U0ALICE", Ct)).Verdict);

        await slackOutbox.WaitForIdleAsync(Ct);

        Assert.DoesNotContain(posts, p => p.Text.Contains("Reminder") || p.Text.Contains("still waiting") || p.Text.Contains("escalated"));
        Assert.DoesNotContain(posts, p => p.Channel == "C0LEADS");
        Assert.Contains(posts, p => p.Channel == Requester && p.Text.Contains("You have access"));
        Assert.Equal(0, await h.Store.UndeliveredCountAsync(Ct));
    }

    [Fact]
    public async Task StepsDeliveredWhileItWaits_AreEachPostedOnce_WithTheRequestsShortId()
    {
        var id = (await h.SubmitAsync(Requester, "payments-db")).Request.Id;
        h.Time.Advance(TimeSpan.FromMinutes(45));
        await h.Steps.RunDueAsync(id, Ct);

        await slackOutbox.WaitForIdleAsync(Ct);

        var reminder = Assert.Single(posts, p => p.ThreadTs is not null && p.Text.Contains("Reminder"));
        Assert.Contains("<!subteam^S0ONCALL>", reminder.Text);
        var escalation = Assert.Single(posts, p => p.Channel == "C0LEADS");
        Assert.Contains("<!subteam^S0LEADS>", string.Join(" ", escalation.Blocks!.Select(b => JitBot.Slack.SlackJson.Serialize(b))));
        Assert.Single(posts, p => p.Channel == Requester && p.Text.Contains("still waiting") && p.Text.Contains(id.Short));
        Assert.Single(posts, p => p.Channel == Requester && p.Text.Contains("escalated to") && p.Text.Contains(id.Short));
    }
}
