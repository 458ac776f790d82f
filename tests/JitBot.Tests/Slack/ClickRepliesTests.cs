using System.Text.RegularExpressions;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.SlackApp;

namespace JitBot.Tests.Slack;

public class ClickRepliesTests
{
    static AccessRequest Decided(RequestState state, string? decidedBy) =>
        Samples.Request(state, Samples.Decision(DecisionOutcome.ApprovalRequired, Samples.Plan()), decidedBy: decidedBy);

    /// <summary>The reply without its mentions and date tokens: what is left must hold no id and no fixed time.</summary>
    static string OutsideTokens(string reply) => Regex.Replace(reply, "<[^>]*>", "");

    [Fact]
    public void AlreadyApproved_NamesTheApproverAsAMention_AndWhenAsADateToken()
    {
        var reply = ClickReplies.For(new ApprovalOutcome(ApprovalVerdict.AlreadyDecided, Decided(RequestState.Granted, "U0PAYA020"), null, ""), Samples.Now);

        Assert.Contains("already approved by <@U0PAYA020> (<!date^", reply);
        Assert.DoesNotContain("U0PAYA020", OutsideTokens(reply));
        Assert.DoesNotContain("UTC", OutsideTokens(reply));
    }

    [Fact]
    public void AlreadyDenied_NamesWhoDenied_AsAMention() =>
        Assert.Contains("already denied by <@U0PAYA020>",
            ClickReplies.For(new ApprovalOutcome(ApprovalVerdict.AlreadyDecided, Decided(RequestState.Rejected, "U0PAYA020"), null, ""), Samples.Now));

    [Theory]
    [InlineData("jitbot")]
    [InlineData("policy")]
    public void DecidedByJitBotOrThePolicy_IsNotShownAsAPerson(string actor)
    {
        var reply = ClickReplies.For(new ApprovalOutcome(ApprovalVerdict.AlreadyDecided, Decided(RequestState.Granted, actor), null, ""), Samples.Now);
        Assert.DoesNotContain(actor, reply);
        Assert.Contains("already approved (<!date^", reply);
    }

    [Fact]
    public void Approved_GivesTheExpiryAsADateToken_AndTheRequesterAsAMention()
    {
        var request = Decided(RequestState.Granted, "U0APPROVER");
        var reply = ClickReplies.For(new ApprovalOutcome(ApprovalVerdict.Approved, request, Samples.Grant(), "Approved."), Samples.Now);

        Assert.Contains("<@U0REQUESTER> has `payments-db` until <!date^", reply);
        Assert.Contains("(in 2 hours)", reply);
        Assert.DoesNotContain("UTC", OutsideTokens(reply));
    }

    [Fact]
    public void Denied_MentionsTheRequester() =>
        Assert.Contains("You denied <@U0REQUESTER>'s request for `payments-db`",
            ClickReplies.For(new ApprovalOutcome(ApprovalVerdict.Rejected, Decided(RequestState.Rejected, "U0APPROVER"), null, ""), Samples.Now));

    [Fact]
    public void OwnRequest_NamesTheApproversAsMentions()
    {
        var plan = new ApprovalPlan("C0APPROVALS", [new ApprovalRequirement(new ApproverSet("U0LEAD1, U0LEAD2", null, ["U0LEAD1", "U0LEAD2"]), 1)], TimeSpan.FromHours(1));
        var request = Samples.Request(RequestState.Pending, Samples.Decision(DecisionOutcome.ApprovalRequired, plan));

        var reply = ClickReplies.For(new ApprovalOutcome(ApprovalVerdict.RefusedSelf, request, null, "You can't approve your own request; it needs U0LEAD1, U0LEAD2."), Samples.Now);

        Assert.Contains("own request; it needs <@U0LEAD1>, <@U0LEAD2>", reply);
        Assert.DoesNotContain("U0LEAD", OutsideTokens(reply));
    }

    [Fact]
    public void LifecycleSentence_IsEscaped()
    {
        var reply = ClickReplies.For(new ApprovalOutcome(ApprovalVerdict.RefusedNotApprover, null, null, "Only <!channel> can approve."), Samples.Now);
        Assert.Contains("&lt;!channel&gt;", reply);
        Assert.DoesNotContain("<!channel>", reply);
    }

    [Fact]
    public void ApproverListOfMoreThanFive_IsMentionsAndACount_NeverRawIds()
    {
        var ids = Enumerable.Range(1, 7).Select(i => $"U0LEAD00{i}").ToArray();
        var text = SlackText.Approvers(new ApproverSet(string.Join(", ", ids), null, ids));

        Assert.Equal("<@U0LEAD001>, <@U0LEAD002>, <@U0LEAD003>, <@U0LEAD004>, <@U0LEAD005> and 2 more", text);
    }
}
