using JitBot.Requests;
using JitBot.Slack.Api;
using JitBot.SlackApp;
using JitBot.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace JitBot.Tests.Slack;

/// <summary>
/// A "granted" notice still in the outbox when JitBot stopped is delivered after the restart: the notifier sees
/// the grant as it is then, through the real outbox and store.
/// </summary>
public sealed class LateGrantNoticeTests : IAsyncLifetime
{
    const string Requester = "U0REQUESTER";
    static readonly TimeSpan OneHour = TimeSpan.FromHours(1);
    readonly CoreHarness h = new();
    readonly List<ChatMessage> posts = [];
    NotificationDispatcher slackOutbox = null!;
    CancellationToken Ct => CancellationToken.None;

    public Task InitializeAsync()
    {
        h.Policy.AutoApprove("staging-db", OneHour);
        var chat = Substitute.For<IChatApi>();
        chat.PostMessageAsync(Arg.Any<ChatMessage>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            lock (posts) posts.Add(call.Arg<ChatMessage>());
            return new PostedMessage("D0DM", $"1700000000.{posts.Count:D6}");
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

    IEnumerable<string> DirectMessages() => posts.Where(p => p.Channel == Requester).Select(p => p.Text);

    [Fact]
    public async Task GrantedNotice_ForAGrantThatHasEndedSince_SaysNothingAboutHavingAccess_AndTheEndSaysWhenItWasGranted()
    {
        var grant = (await h.SubmitAsync(Requester, "staging-db", OneHour)).Grant!;
        h.Time.Advance(OneHour + TimeSpan.FromMinutes(5)); // down for longer than the grant
        await h.Sweeper.SweepAsync(Ct);
        Assert.Equal(GrantState.Expired, (await h.Store.FindGrantAsync(grant.Id, Ct))!.Grant.State);

        await slackOutbox.WaitForIdleAsync(Ct);

        Assert.DoesNotContain(DirectMessages(), t => t.Contains("You have access"));
        var ended = Assert.Single(DirectMessages());
        Assert.Contains($"Your access to `staging-db` (grant `{grant.Id.Short}`), granted <!date^", ended);
        Assert.Contains("expired <!date^", ended);
        Assert.Contains("ago)", ended);
        Assert.Equal(0, await h.Store.UndeliveredCountAsync(Ct));
    }

    [Fact]
    public async Task GrantedNotice_ForAGrantPastItsExpiry_NotYetRevoked_SaysNothingAboutHavingAccess()
    {
        await h.SubmitAsync(Requester, "staging-db", OneHour);
        h.Time.Advance(OneHour);

        await slackOutbox.WaitForIdleAsync(Ct);

        Assert.Empty(DirectMessages());
    }

    [Fact]
    public async Task GrantedNotice_ForAGrantStillActive_TellsTheRequester()
    {
        await h.SubmitAsync(Requester, "staging-db", OneHour);
        h.Time.Advance(TimeSpan.FromMinutes(50));

        await slackOutbox.WaitForIdleAsync(Ct);

        var dm = Assert.Single(DirectMessages());
        Assert.Contains("You have access to `staging-db`", dm);
        Assert.Contains("(in 10 minutes)", dm);
    }
}
