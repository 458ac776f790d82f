using JitBot.Policies;
using static JitBot.Tests.Policies.Policy;

namespace JitBot.Tests.Policies;

/// <summary><c>remind_after</c> and <c>escalate</c> on a rule's approval: what the decision carries, and every mistake at its place.</summary>
public class ApprovalStepPolicyTests
{
    static IReadOnlyList<PolicyProblem> Problems(string rules)
    {
        using var t = new TempPolicy(("catalog.yaml", Catalog), ("rules.yaml", rules));
        return t.Load().Problems;
    }

    static PolicyProblem Only(string rules)
    {
        var problems = Problems(rules);
        Assert.True(problems.Count == 1, string.Join("\n", problems));
        return problems[0];
    }

    const string Rule = "rules:\n  - {id: r, effect: allow, when: {resource: {id: payments-api}}, approval: ";

    [Fact]
    public void ReminderAndEscalationToAGroup_ReachTheDecision_InTheApprovalChannel()
    {
        var p = Load(Rule + "{from: owner-team, timeout: 2h, remind_after: 30m, escalate: {after: 1h, group: \"@security\"}}}\n");
        var plan = p.Decide(Request("U0PAY0001", "payments-api")).Approval!;
        Assert.Equal(TimeSpan.FromMinutes(30), plan.RemindAfter);
        Assert.Equal(TimeSpan.FromHours(1), plan.Escalation!.After);
        Assert.Equal(new ApproverSet("@security", "S0SECURE", []), plan.Escalation.Approvers);
        Assert.Equal("#payments-access", plan.Escalation.Channel);
        Assert.EndsWith("Approvers are reminded after 30 minutes. After 1 hour it is escalated to @security.",
            p.Decide(Request("U0PAY0001", "payments-api")).Explanation);
    }

    [Fact]
    public void EscalationToATeam_GoesToThatTeamsChannel_AndApprovers()
    {
        var p = Load(Rule + "{from: owner-team, escalate: {after: 20m, team: data}}}\n");
        var plan = p.Decide(Request("U0PAY0001", "payments-api")).Approval!;
        Assert.Null(plan.RemindAfter);
        Assert.Equal("#data-access", plan.Escalation!.Channel);
        Assert.Equal(["U0DAT0001", "U0DAT0002"], plan.Escalation.Approvers.UserIds);
    }

    [Fact]
    public void WithoutThem_ThePlanHasNeither()
    {
        var plan = Load(Rule + "{from: owner-team}}\n").Decide(Request("U0PAY0001", "payments-api")).Approval!;
        Assert.Null(plan.RemindAfter);
        Assert.Null(plan.Escalation);
    }

    [Fact]
    public void AGuardsSoonerReminder_Wins()
    {
        var p = Load(Rule + "{from: owner-team, remind_after: 40m}}\n" +
                     "  - {id: g, effect: require_approval, when: {resource: {id: payments-api}}, approval: {group: \"@security\", remind_after: 10m, escalate: {after: 30m, team: data}}}\n");
        var plan = p.Decide(Request("U0PAY0001", "payments-api")).Approval!;
        Assert.Equal(TimeSpan.FromMinutes(10), plan.RemindAfter);
        Assert.Equal("#data-access", plan.Escalation!.Channel);
    }

    [Theory]
    [InlineData("{remind_after: 1h}", "not before the policy's approval_timeout")]
    [InlineData("{timeout: 30m, remind_after: 45m}", "not before its timeout")]
    [InlineData("{escalate: {after: 2h, group: \"@security\"}}", "the escalation would never happen")]
    [InlineData("{remind_after: 40m, escalate: {after: 30m, group: \"@security\"}}", "not before its escalation")]
    public void AStepThatCouldNeverHappen_IsAProblem(string approval, string says)
    {
        var p = Only(Rule + approval + "}\n");
        Assert.Equal(("rules.yaml", "bad-value"), (p.File, p.Code));
        Assert.Contains(says, p.Message);
        Assert.Equal(2, p.Line);
    }

    [Fact]
    public void EscalationToAnUndeclaredGroupOrTeam_PointsAtTheName()
    {
        var group = Only(Rule + "{escalate: {after: 30m, group: \"@nobody\"}}}\n");
        Assert.Equal(("unknown-group", 2), (group.Code, group.Line));
        Assert.Contains("@nobody", group.Message);
        var team = Only(Rule + "{escalate: {after: 30m, team: nobody}}}\n");
        Assert.Equal("unknown-team", team.Code);
        Assert.Contains("`nobody`", team.Message);
    }

    [Theory]
    [InlineData("{escalate: {after: 30m}}", "exactly one of")]
    [InlineData("{escalate: {after: 30m, group: \"@security\", team: data}}", "exactly one of")]
    [InlineData("{escalate: {group: \"@security\"}}", "needs `after:`")]
    [InlineData("{escalate: 1h}", "should be a mapping")]
    public void MalformedEscalation_SaysWhatToWrite(string approval, string says)
    {
        var p = Only(Rule + approval + "}\n");
        Assert.Contains(says, p.Message);
        Assert.Equal(("rules.yaml", 2), (p.File, p.Line));
    }

    [Fact]
    public void BadDurationsAndUnknownKeys_AreProblemsAtTheirPlace()
    {
        Assert.Equal("bad-duration", Only(Rule + "{remind_after: 0m}}\n").Code);
        Assert.Equal("bad-duration", Only(Rule + "{escalate: {after: soon, group: \"@security\"}}}\n").Code);
        var unknown = Only(Rule + "{escalate: {after: 30m, group: \"@security\", channel: \"#x\"}}}\n");
        Assert.Equal("unknown-key", unknown.Code);
        Assert.Equal("rules.yaml", unknown.File);
    }
}
