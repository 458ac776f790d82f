using System.Net;
using System.Text.Json.Nodes;
using JitBot.IntegrationTests.Infrastructure;
using JitBot.Requests;
using JitBot.SlackApp;
using JitBot.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace JitBot.IntegrationTests.EndToEnd;

/// <summary>LiteDB, the embedded store.</summary>
public sealed class LiteDbApprovalFollowUpTests : ApprovalFollowUpTests
{
    protected override BotStorage NewStorage() => BotStorage.LiteDb();
}

/// <summary>PostgreSQL, with Quartz's clustered job store in the same database.</summary>
public sealed class PostgresApprovalFollowUpTests : ApprovalFollowUpTests
{
    protected override BotStorage NewStorage() => BotStorage.Postgres();
}

/// <summary>
/// What happens to a request that waits, end to end: the example policy with a reminder after 20 minutes and an
/// escalation to the platform team after 40 (its on-call: Dev), the fake clock moved on, every message checked by
/// the fake Slack; stale buttons; and Deny with a reason through the modal.
/// </summary>
public abstract class ApprovalFollowUpTests : WorkspaceTests
{
    const string PlatformOncall = "S01PLTONC";
    const string PlatformChannel = "#platform-access";
    PolicyCopy policy = null!;

    protected abstract BotStorage NewStorage();

    protected override async Task<Workspace> StartWorkspaceAsync()
    {
        policy = new PolicyCopy().Replace("rules/production.yaml", "    approval: {from: owner-team, count: 1}\n",
            "    approval: {from: owner-team, count: 1, remind_after: 20m, escalate: {after: 40m, team: platform}}\n");
        var started = await Workspace.StartAsync(storage: NewStorage, settings: new Dictionary<string, string?> { ["Policies:Path"] = policy.Dir });
        started.Slack.SetGroup(PlatformOncall, People.Dev);
        started.Slack.Clock = started.Clock; // trigger ids expire on the bot's clock
        return started;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        policy.Dispose();
    }

    async Task<ApprovalPost> AskAsync()
    {
        await w.AskAsync(People.Ben, "payments-api-prod for 1h because deploy check");
        return await w.ApprovalPostedAsync();
    }

    SlackCall? ThreadReply(ApprovalPost post, string containing) =>
        w.ThreadReplies(post).FirstOrDefault(r => r.RawBody.Contains(containing, StringComparison.Ordinal));

    [Fact]
    public async Task AWaitingRequest_Reminds_ThenEscalates_AndTheEscalationsOnCallApproves()
    {
        var post = await AskAsync();

        w.Clock.Advance(TimeSpan.FromMinutes(20));
        await w.Slack.WaitForAsync(_ => ThreadReply(post, "Reminder") is not null, "the reminder in the approval thread");
        Assert.Contains("<!subteam^S01PAYONC>", ThreadReply(post, "Reminder")!.RawBody);
        await w.DirectMessageAsync(People.Ben, "still waiting");

        // Not an approver yet: the escalation has not happened.
        await w.ClickAsync(People.Dev, true, post);
        Assert.Contains("Only @payments-oncall", await w.EphemeralToAsync(People.Dev));
        Assert.Equal(0, await w.GrantsAsync(post.RequestId));

        w.Clock.Advance(TimeSpan.FromMinutes(20));
        var escalation = await w.ApprovalPostedAsync(PlatformChannel);
        Assert.Equal(post.RequestId, escalation.RequestId);
        var escalated = w.Slack.Calls.First(c => c.Method == "chat.postMessage" && c.Channel == PlatformChannel);
        Assert.Contains("<!subteam^S01PLTONC>", escalated.RawBody);
        await w.DirectMessageAsync(People.Ben, "escalated");
        await w.Slack.WaitForAsync(_ => ThreadReply(post, "Escalated") is not null, "the escalation in the approval thread");
        await w.UpdatedAsync(post, "Escalated to");

        await w.ClickAsync(People.Dev, true, escalation);
        await w.DirectMessageAsync(People.Ben, "You have access");
        Assert.False((await w.UpdatedAsync(post, "Approved")).HasButtons);
        Assert.False((await w.UpdatedAsync(escalation, "Approved")).HasButtons);
        Assert.Equal(1, await w.GrantsAsync(post.RequestId));

        // Each step was told once, however often the sweep and the job ran.
        w.Clock.Advance(TimeSpan.FromMinutes(5));
        await Task.Delay(300);
        Assert.Single(w.Slack.Calls, c => c.Method == "chat.postMessage" && c.Channel == People.Ben && c.RawBody.Contains("still waiting"));
        Assert.Single(w.Slack.Calls, c => c.Method == "chat.postMessage" && c.Channel == PlatformChannel && c.ThreadTs is null);
    }

    [Fact]
    public async Task AStaleApproveButton_AfterADecisionAndARestart_OnlyExplains()
    {
        var post = await AskAsync();
        await w.ClickAsync(People.Ana, true, post);
        await w.DirectMessageAsync(People.Ben, "You have access");
        await w.RestartAsync(whileStopped: () => { });

        await w.ClickAsync(People.Hana, true, post);

        Assert.Contains("already approved by <@U0PAY0001>", await w.EphemeralToAsync(People.Hana));
        Assert.Equal(1, w.ProviderGrants);
        var request = await w.Bot.Services.GetRequiredService<IAccessStore>().FindRequestAsync(new RequestId(post.RequestId), CancellationToken.None);
        Assert.Equal((RequestState.Granted, People.Ana), (request!.State, request.DecidedBy));
    }

    [Fact]
    public async Task AClickOnARequestJitBotDoesNotKnow_IsAnswered_AndChangesNothing()
    {
        var post = await AskAsync();
        var unknown = post with { RequestId = RequestId.New().Value };

        await w.ClickAsync(People.Ana, true, unknown);

        Assert.Contains("no record of this request", await w.EphemeralToAsync(People.Ana));
        Assert.Equal(0, await w.GrantsAsync(post.RequestId));
    }

    [Fact]
    public async Task ATimeoutAfterTheEscalation_UpdatesBothMessages_AndTellsTheRequester()
    {
        var post = await AskAsync();
        w.Clock.Advance(TimeSpan.FromMinutes(41));
        var escalation = await w.ApprovalPostedAsync(PlatformChannel);

        w.Clock.Advance(TimeSpan.FromMinutes(20));

        Assert.False((await w.UpdatedAsync(post, "Timed out")).HasButtons);
        Assert.False((await w.UpdatedAsync(escalation, "Timed out")).HasButtons);
        await w.DirectMessageAsync(People.Ben, "timed out");
        await w.ClickAsync(People.Dev, true, escalation);
        Assert.Contains("timed out", await w.EphemeralToAsync(People.Dev));
        Assert.Equal(0, await w.GrantsAsync(post.RequestId));
    }

    // ---- deny with a reason ---------------------------------------------------------------------------

    async Task<(string ViewId, JsonObject View)> DenyOpensTheFormAsync(ApprovalPost post, string approver)
    {
        static bool Opened(SlackCall x) => x.Method == "views.open" && x.Response?["ok"]?.GetValue<bool>() == true;
        var before = w.Slack.Calls.Count(Opened);
        var click = w.Bot.Signer.ClickPayload(approver, ApprovalMessage.DenyActionId, post.RequestId, post.Channel, post.Ts);
        click["trigger_id"] = w.Slack.NewTriggerId();
        await w.Bot.SendAsync(w.Bot.Signer.Interaction(click));
        var calls = await w.Slack.WaitForAsync(c => c.Count(Opened) > before, $"the deny form for {approver}");
        var open = calls.Where(Opened).ElementAt(before);
        Assert.Equal(click["trigger_id"]!.GetValue<string>(), open.Arg("trigger_id"));
        return (open.Response!["view"]!["id"]!.GetValue<string>(), open.View!);
    }

    async Task<JsonNode?> SubmitAsync(string user, string viewId, JsonObject view, string reason)
    {
        var payload = new JsonObject
        {
            ["type"] = "view_submission",
            ["user"] = new JsonObject { ["id"] = user, ["team_id"] = FakeSlack.TeamId },
            ["team"] = new JsonObject { ["id"] = FakeSlack.TeamId, ["domain"] = "acme" },
            ["api_app_id"] = FakeSlack.AppId,
            ["trigger_id"] = w.Slack.NewTriggerId(),
            ["view"] = new JsonObject
            {
                ["id"] = viewId,
                ["type"] = "modal",
                ["callback_id"] = view["callback_id"]!.GetValue<string>(),
                ["private_metadata"] = view["private_metadata"]!.GetValue<string>(),
                ["hash"] = "1.view",
                ["state"] = new JsonObject
                {
                    ["values"] = new JsonObject
                    {
                        ["reason"] = new JsonObject { ["reason"] = new JsonObject { ["type"] = "plain_text_input", ["value"] = reason } },
                    },
                },
            },
        };
        var response = await w.Bot.SendAsync(w.Bot.Signer.Interaction(payload));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        return body.Length == 0 ? null : JsonNode.Parse(body);
    }

    [Fact]
    public async Task Deny_OpensTheReasonForm_AndTheRequesterSeesTheReason_Once()
    {
        var post = await AskAsync();

        var (viewId, view) = await DenyOpensTheFormAsync(post, People.Ana);
        Assert.Equal("deny_reason", view["callback_id"]!.GetValue<string>());
        Assert.Equal(post.RequestId, view["private_metadata"]!.GetValue<string>());

        var empty = await SubmitAsync(People.Ana, viewId, view, "   ");
        Assert.Equal("errors", empty!["response_action"]!.GetValue<string>());
        Assert.Contains("Give a reason", empty["errors"]!["reason"]!.GetValue<string>());
        var byRequester = await SubmitAsync(People.Ben, viewId, view, "mine");
        Assert.Contains("your own request", byRequester!["errors"]!["reason"]!.GetValue<string>());

        var done = await SubmitAsync(People.Ana, viewId, view, "Use <payments-api-staging> & ask again *tomorrow*");
        Assert.Equal("clear", done!["response_action"]!.GetValue<string>());
        var again = await SubmitAsync(People.Ana, viewId, view, "a second submission");
        Assert.Contains("already denied", again!["errors"]!["reason"]!.GetValue<string>());

        var dm = await w.DirectMessageAsync(People.Ben, "denied your request");
        Assert.Contains("Use &lt;payments-api-staging&gt; &amp; ask again", dm.RawBody);
        Assert.DoesNotContain("a second submission", dm.RawBody);
        var updated = await w.UpdatedAsync(post, "Denied");
        Assert.Contains("&lt;payments-api-staging&gt;", updated.RawBody);
        Assert.False(updated.HasButtons);
        var stored = await w.Bot.Services.GetRequiredService<IAccessStore>().FindRequestAsync(new RequestId(post.RequestId), CancellationToken.None);
        Assert.Equal((RequestState.Rejected, "Use <payments-api-staging> & ask again *tomorrow*"), (stored!.State, stored.DenialReason));
        Assert.Equal(0, await w.GrantsAsync(post.RequestId));
    }

    [Fact]
    public async Task TheReasonForm_SubmittedBySomeoneNoLongerInTheGroup_OrAfterTheTimeout_ChangesNothing()
    {
        var post = await AskAsync();
        var (hanaView, hanaForm) = await DenyOpensTheFormAsync(post, People.Hana);
        var (anaView, anaForm) = await DenyOpensTheFormAsync(post, People.Ana);

        w.Slack.SetGroup(People.PaymentsOncall, People.Ana); // Hana is off call now
        var refused = await SubmitAsync(People.Hana, hanaView, hanaForm, "not today");
        Assert.Contains("Only @payments-oncall can deny", refused!["errors"]!["reason"]!.GetValue<string>());

        w.Clock.Advance(TimeSpan.FromMinutes(61));
        var late = await SubmitAsync(People.Ana, anaView, anaForm, "too late");
        Assert.Contains("timed out", late!["errors"]!["reason"]!.GetValue<string>());

        await w.DirectMessageAsync(People.Ben, "timed out");
        var stored = await w.Bot.Services.GetRequiredService<IAccessStore>().FindRequestAsync(new RequestId(post.RequestId), CancellationToken.None);
        Assert.Equal(RequestState.TimedOut, stored!.State);
        Assert.Null(stored.DenialReason);
    }

    [Fact]
    public async Task Deny_WithAnExpiredTrigger_DeniesAtOnceWithoutAReason_AndSaysSo()
    {
        var post = await AskAsync();
        var click = w.Bot.Signer.ClickPayload(People.Ana, ApprovalMessage.DenyActionId, post.RequestId, post.Channel, post.Ts);
        click["trigger_id"] = w.Slack.NewTriggerId();
        w.Clock.Advance(TimeSpan.FromSeconds(4));

        await w.Bot.SendAsync(w.Bot.Signer.Interaction(click));

        Assert.Contains("could not open", await w.EphemeralToAsync(People.Ana));
        Assert.Equal("expired_trigger_id", w.Slack.CallsTo("views.open").Single().Response!["error"]!.GetValue<string>());
        await w.DirectMessageAsync(People.Ben, "denied your request");
        Assert.False((await w.UpdatedAsync(post, "Denied")).HasButtons);
    }
}
