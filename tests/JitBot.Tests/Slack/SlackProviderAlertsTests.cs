using System.Collections.Concurrent;
using JitBot.Requests;
using JitBot.Slack.Api;
using JitBot.SlackApp;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace JitBot.Tests.Slack;

public class SlackProviderAlertsTests
{
    sealed class MemoryRefs : IMessageRefStore
    {
        readonly ConcurrentDictionary<(RequestId, string), MessageRef> refs = new();
        public Task SaveAsync(MessageRef reference, CancellationToken cancellationToken)
        {
            refs.TryAdd((reference.RequestId, reference.Kind), reference);
            return Task.CompletedTask;
        }
        public Task<MessageRef?> FindAsync(RequestId requestId, string kind, CancellationToken cancellationToken) =>
            Task.FromResult(refs.TryGetValue((requestId, kind), out var r) ? r : null);
    }

    readonly ISlackApiClient slack = Substitute.For<ISlackApiClient>();
    readonly IChatApi chat = Substitute.For<IChatApi>();
    readonly List<ChatMessage> posts = [];
    readonly MemoryRefs refs = new();

    public SlackProviderAlertsTests()
    {
        slack.Chat.Returns(chat);
        chat.PostMessageAsync(Arg.Any<ChatMessage>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            posts.Add(call.Arg<ChatMessage>());
            return new PostedMessage(call.Arg<ChatMessage>().Channel, "1700000000.000001");
        });
    }

    SlackProviderAlerts Alerts(string? admin) =>
        new(slack, refs, Options.Create(new SlackOptions { AdminChannel = admin }), NullLogger<SlackProviderAlerts>.Instance);

    static AccessRequest Request => Samples.Request(RequestState.Granted, Samples.Decision(JitBot.Policies.DecisionOutcome.AutoApproved));

    static ProviderAlert Alert(ProviderAlertKind kind) =>
        new(kind, "grt_1", "payments-db", "U0ALICE", "C0PAYMENTS", "TimeoutException: <!channel> said no & more.", 3, Samples.Now);

    [Fact]
    public async Task FailingRevoke_GoesToTheTeamAndTheAdminChannel_Once_WithTheErrorEscaped()
    {
        var alerts = Alerts("C0ADMINS");

        await alerts.AlertAsync(Request, Alert(ProviderAlertKind.RevokeFailing), CancellationToken.None);
        await alerts.AlertAsync(Request, Alert(ProviderAlertKind.RevokeFailing), CancellationToken.None);

        Assert.Equal(["C0PAYMENTS", "C0ADMINS"], posts.Select(p => p.Channel));
        var text = SlackProviderAlerts.Text(Alert(ProviderAlertKind.RevokeFailing));
        Assert.Contains("&lt;!channel&gt; said no &amp; more.", text);
        Assert.DoesNotContain("<!channel>", text);
        Assert.Contains("3 attempts", text);
    }

    [Fact]
    public async Task Drift_GoesToTheAdminChannel_OrTheTeamsWhenThereIsNone()
    {
        await Alerts("C0ADMINS").AlertAsync(Request, Alert(ProviderAlertKind.Drift), CancellationToken.None);
        await Alerts(null).AlertAsync(Request, Alert(ProviderAlertKind.Drift) with { At = Samples.Now.AddMinutes(10) }, CancellationToken.None);

        Assert.Equal(["C0ADMINS", "C0PAYMENTS"], posts.Select(p => p.Channel));
    }
}
