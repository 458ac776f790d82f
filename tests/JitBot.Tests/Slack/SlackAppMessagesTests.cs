using System.Text.Json;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Slack;
using JitBot.Slack.BlockKit;
using JitBot.SlackApp;

namespace JitBot.Tests.Slack;

public class SlackAppMessagesTests
{
    static string Json(SlackMessage m) => JsonSerializer.Serialize(m.Blocks, SlackJson.Options);

    [Fact]
    public void PendingApprovalMessage_HasEverythingAnApproverNeeds_AndTwoButtons()
    {
        var request = Samples.Request(RequestState.Pending, Samples.Decision(DecisionOutcome.ApprovalRequired, Samples.Plan()));
        var message = ApprovalMessage.Build(request, null, Samples.Now);
        var json = Json(message);

        Assert.Contains("<@U0REQUESTER>", json);
        Assert.Contains("`payments-db`", json);
        Assert.Contains("`data-class=restricted`", json);
        Assert.Contains("2 hours", json);
        Assert.Contains("INC-4312 payouts stuck", json);
        Assert.Contains("`payments-owner-approval`", json);
        Assert.Contains("<#C0ASKEDFROM>", json);
        Assert.Contains("<!subteam^S0ONCALL>", json);
        Assert.False(string.IsNullOrWhiteSpace(message.Text));

        var actions = message.Blocks.OfType<ActionsBlock>().Single();
        var buttons = actions.Elements.Cast<ButtonElement>().ToList();
        Assert.Equal([ApprovalMessage.ApproveActionId, ApprovalMessage.DenyActionId], buttons.Select(b => b.ActionId));
        Assert.All(buttons, b => Assert.Equal("req_test0000001", b.Value));
        Assert.Equal("primary", buttons[0].Style);
        Assert.NotNull(buttons[0].Confirm);
        Assert.Equal("danger", buttons[1].Style);
    }

    [Theory]
    [InlineData(RequestState.Granted, "Approved")]
    [InlineData(RequestState.Rejected, "Denied")]
    [InlineData(RequestState.TimedOut, "Timed out")]
    [InlineData(RequestState.Failed, "granting failed")]
    public void DecidedApprovalMessage_ShowsTheOutcome_WithoutButtons(RequestState state, string shows)
    {
        var request = Samples.Request(state, Samples.Decision(DecisionOutcome.ApprovalRequired, Samples.Plan()),
            votes: state == RequestState.Granted ? [new ApprovalVote("U0APPROVER", true, Samples.Now)] : [],
            decidedBy: state == RequestState.TimedOut ? null : "U0APPROVER");
        var message = ApprovalMessage.Build(request, state == RequestState.Granted ? Samples.Grant() : null, Samples.Now);
        Assert.Empty(message.Blocks.OfType<ActionsBlock>());
        Assert.Contains(shows, Json(message));
        if (state != RequestState.TimedOut) Assert.Contains("<@U0APPROVER>", Json(message));
    }

    [Fact]
    public void PartlyApprovedMessage_ShowsWhoApprovedSoFar_AndKeepsButtons()
    {
        var request = Samples.Request(RequestState.Pending, Samples.Decision(DecisionOutcome.ApprovalRequired, Samples.Plan(2)),
            votes: [new ApprovalVote("U0FIRST", true, Samples.Now)]);
        var message = ApprovalMessage.Build(request, null, Samples.Now);
        Assert.Contains("Approved so far by <@U0FIRST>", Json(message));
        Assert.Contains("2 of <!subteam^S0ONCALL>", Json(message));
        Assert.Single(message.Blocks.OfType<ActionsBlock>());
    }

    [Fact]
    public void HostileReason_IsEscaped_AndHugeReason_StaysWithinLimits()
    {
        var reason = "<!channel> <@U0EVIL> & <https://evil.example|click> " + new string('x', 5000);
        var request = Samples.Request(RequestState.Pending, Samples.Decision(DecisionOutcome.ApprovalRequired, Samples.Plan()), reason);
        var message = ApprovalMessage.Build(request, null, Samples.Now);
        var json = Json(message);
        Assert.DoesNotContain("<!channel>", json);
        Assert.DoesNotContain("<@U0EVIL>", json);
        Assert.DoesNotContain("<https://evil", json);
        Assert.Contains("&lt;!channel&gt;", json);
        Assert.All(message.Blocks.OfType<SectionBlock>(), s => Assert.True((s.Text?.Text.Length ?? 0) <= BlockLimits.SectionText));
        Assert.True(message.Blocks.Count <= BlockLimits.BlocksPerMessage);
    }

    [Fact]
    public void GrantedReply_GivesExpiryAsDateToken_AndRelativeText()
    {
        var request = Samples.Request(RequestState.Granted, Samples.Decision(DecisionOutcome.AutoApproved));
        var reply = AccessReplies.From(new SubmitOutcome(request, Samples.Grant()), Samples.Now);
        Assert.Contains("granted for 2 hours", reply.Text);
        Assert.Contains($"<!date^{Samples.Now.AddHours(2).ToUnixTimeSeconds()}^", reply.Text);
        Assert.Contains("(in 2 hours) (grant `test00`)", reply.Text);
        Assert.Equal("ephemeral", reply.ResponseType);
    }

    [Fact]
    public void GrantBeingSetUp_SaysApproved_NotGranted_AndThatADirectMessageFollows()
    {
        var request = Samples.Request(RequestState.Granted, Samples.Decision(DecisionOutcome.AutoApproved));
        var setting = new TaskCompletionSource<SubmitOutcome>();
        var reply = AccessReplies.From(new SubmitOutcome(request, Samples.Grant()) { Provisioning = setting.Task }, Samples.Now);
        Assert.Contains("approved for 2 hours", reply.Text);
        Assert.DoesNotContain("granted", reply.Text);
        Assert.Contains("(in 2 hours) (grant `test00`). JitBot is setting it up now and sends you a direct message once it is in place.", reply.Text);
    }

    [Fact]
    public void CappedGrant_SaysSo()
    {
        var request = Samples.Request(RequestState.Granted, Samples.Decision(DecisionOutcome.AutoApproved, capped: true));
        var reply = AccessReplies.From(new SubmitOutcome(request, Samples.Grant()), Samples.Now);
        Assert.Contains("You asked for 8 hours; the policy allows at most 2 hours", reply.Text);
    }

    [Fact]
    public void PendingReply_SaysWhereItWentAndWhoItWaitsFor()
    {
        var request = Samples.Request(RequestState.Pending, Samples.Decision(DecisionOutcome.ApprovalRequired, Samples.Plan()));
        var reply = AccessReplies.From(new SubmitOutcome(request, null), Samples.Now);
        Assert.Contains("Request `test00` sent to <#C0APPROVALS>, waiting for <!subteam^S0ONCALL>", reply.Text);
        Assert.Contains($"the request times out <!date^{(Samples.Now + Samples.Plan().Timeout).ToUnixTimeSeconds()}^", reply.Text);
    }

    [Fact]
    public void DeniedReply_GivesTheReason_AndFieldProblems()
    {
        var request = Samples.Request(RequestState.Denied, Samples.Decision(DecisionOutcome.Denied,
            problems: [new FieldProblem("ticket", "A ticket like INC-123 is required for production.")]));
        var reply = AccessReplies.From(new SubmitOutcome(request, null), Samples.Now);
        Assert.Contains("denied. Denied by deny-prod-contractors.", reply.Text);
        Assert.Contains("*ticket*: A ticket like INC-123 is required", reply.Text);
        Assert.Contains("Contractors never get production data.", reply.Text);
    }

    [Fact]
    public void UnknownResourceReply_SuggestsClosestIds()
    {
        var reply = AccessReplies.UnknownResource("payment-db", ["payments-db", "payments-db-replica"]);
        Assert.Contains("no resource called `payment-db`", reply.Text);
        Assert.Contains("Did you mean `payments-db`, `payments-db-replica`?", reply.Text);
    }

    [Fact]
    public void ApprovalMessage_ShowsTheShortIdsOfTheRequestAndGrant()
    {
        var request = Samples.Request(RequestState.Granted, Samples.Decision(DecisionOutcome.ApprovalRequired, Samples.Plan()),
            votes: [new ApprovalVote("U0APPROVER", true, Samples.Now)], decidedBy: "U0APPROVER");
        var json = Json(ApprovalMessage.Build(request, Samples.Grant(), Samples.Now));
        Assert.Contains("Request `test00` · grant `test00` · policy", json);
        Assert.DoesNotContain("req_test0000001", json);
    }
}
