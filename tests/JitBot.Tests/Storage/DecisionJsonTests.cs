using JitBot.Policies;
using JitBot.Storage;
using JitBot.Tests.Fakes;

namespace JitBot.Tests.Storage;

public sealed class DecisionJsonTests
{
    /// <summary>A decision with every field filled in, as stores keep it.</summary>
    public static Decision RichDecision() => new(
        DecisionOutcome.ApprovalRequired,
        "payments-db",
        FakePolicy.Resource("payments-db", "postgres"),
        new DurationDecision(TimeSpan.FromHours(2), TimeSpan.FromHours(8), true, "prod-cap", TimeSpan.FromHours(2)),
        new ApprovalPlan("C0PAYMENTS",
            [
                new ApprovalRequirement(new ApproverSet("@payments-oncall", "S0ONCALL", []), 2),
                new ApprovalRequirement(new ApproverSet("security leads", null, ["U0SEC1", "U0SEC2"]), 1),
            ],
            TimeSpan.FromMinutes(45))
        {
            RemindAfter = TimeSpan.FromMinutes(15),
            Escalation = new ApprovalEscalation(TimeSpan.FromMinutes(30), new ApproverSet("@payments-leads", "S0LEADS", []), "C0LEADS"),
        },
        [new FieldProblem("ticket", "Give a ticket like INC-123.")],
        [
            new RuleContribution("prod-needs-approval", RuleEffect.RequireApproval, "required approval", "Production needs a second pair of eyes."),
            new RuleContribution("prod-cap", RuleEffect.Allow, "capped duration", null),
        ],
        "Production data needs two approvers from @payments-oncall & one security lead <today>.",
        "sha256:3f2a9c0d11aa");

    [Fact]
    public void DecisionJson_RoundTripsEveryField()
    {
        var decision = RichDecision();

        var json = DecisionJson.Serialize(decision);
        var back = DecisionJson.Deserialize(json);

        Assert.Equal(json, DecisionJson.Serialize(back));
        Assert.Equal(decision.Outcome, back.Outcome);
        Assert.Equal(decision.Duration, back.Duration);
        Assert.Equal(decision.Resource!.Tags["env"], back.Resource!.Tags["env"]);
        Assert.Equal(decision.Resource.Provider.Settings["role"], back.Resource.Provider.Settings["role"]);
        Assert.Equal(decision.Approval!.Timeout, back.Approval!.Timeout);
        Assert.Equal(TimeSpan.FromMinutes(15), back.Approval.RemindAfter);
        Assert.Equal(new ApprovalEscalation(TimeSpan.FromMinutes(30), back.Approval.Escalation!.Approvers, "C0LEADS"), back.Approval.Escalation);
        Assert.Equal("S0LEADS", back.Approval.Escalation.Approvers.SlackUserGroupId);
        Assert.Equal(["U0SEC1", "U0SEC2"], back.Approval.Requirements[1].Approvers.UserIds);
        Assert.Equal(2, back.Approval.Requirements[0].Count);
        Assert.Equal(decision.Rules, back.Rules);
        Assert.Equal(decision.FieldProblems, back.FieldProblems);
        Assert.Equal(decision.Explanation, back.Explanation);
        Assert.Contains("\"approvalRequired\"", json);
    }
}
