using JitBot.IntegrationTests.Infrastructure;

namespace JitBot.IntegrationTests.EndToEnd;

/// <summary>
/// An escalation to a group (which has no channel of its own) goes to the request's approval channel as a second
/// message with its own buttons, mentioning the group; a member of the group decides from there.
/// </summary>
public sealed class GroupEscalationTests : WorkspaceTests
{
    PolicyCopy policy = null!;

    protected override async Task<Workspace> StartWorkspaceAsync()
    {
        policy = new PolicyCopy().Replace("rules/production.yaml", "    approval: {from: owner-team, count: 1}\n",
            "    approval: {from: owner-team, count: 1, escalate: {after: 30m, group: \"@platform-oncall\"}}\n");
        var started = await Workspace.StartAsync(settings: new Dictionary<string, string?> { ["Policies:Path"] = policy.Dir });
        started.Slack.SetGroup("S01PLTONC", People.Dev);
        return started;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        policy.Dispose();
    }

    [Fact]
    public async Task TheEscalation_IsASecondMessageInTheApprovalChannel_AndItsButtonsWork()
    {
        await w.AskAsync(People.Ben, "payments-api-prod for 1h because deploy check");
        var post = await w.ApprovalPostedAsync();

        w.Clock.Advance(TimeSpan.FromMinutes(30));
        var escalation = await w.ApprovalPostedAsync(People.PaymentsChannel, index: 1);
        Assert.Equal(post.RequestId, escalation.RequestId);
        Assert.NotEqual(post.Ts, escalation.Ts);
        Assert.Contains("<!subteam^S01PLTONC>", w.Slack.Calls.Single(c => c.Method == "chat.postMessage" && c.ResponseTs == escalation.Ts).RawBody);
        Assert.DoesNotContain(w.Slack.CallsTo("chat.postMessage"), c => c.Channel == People.Ben && c.RawBody.Contains("still waiting")); // no reminder asked for

        await w.DirectMessageAsync(People.Ben, "escalated"); // sent after the escalation's message ref is saved
        await w.ClickAsync(People.Dev, false, escalation); // the test's click has no usable trigger: denied at once
        Assert.Contains("could not open", await w.EphemeralToAsync(People.Dev));
        Assert.False((await w.UpdatedAsync(post, "Denied")).HasButtons);
        Assert.False((await w.UpdatedAsync(escalation, "Denied")).HasButtons);
        await w.DirectMessageAsync(People.Ben, "denied your request");
    }
}
