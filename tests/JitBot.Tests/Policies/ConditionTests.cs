using JitBot.Policies;
using static JitBot.Tests.Policies.Policy;

namespace JitBot.Tests.Policies;

public class ConditionTests
{
    [Fact]
    public void Globs_MatchPrefixes_AndStarMeansTheTagIsPresent()
    {
        var p = Load("""
            rules:
              - {id: payments-star, effect: allow, when: {resource: {id: "payments-*"}, principal: {employment: "*"}}, auto_approve: true}
            """);
        Assert.Equal(DecisionOutcome.AutoApproved, p.Decide(Request("U0PAY0001", "payments-api")).Outcome);
        Assert.Equal(DecisionOutcome.Denied, p.Decide(Request("U0PAY0001", "warehouse")).Outcome);
        Assert.Equal(DecisionOutcome.Denied, p.Decide(Request("U0NOEMP01", "payments-api")).Outcome); // no employment tag
    }

    [Fact]
    public void ChannelCondition_NeedsAChannel_AndIncidentChannelsCountAsIncidents()
    {
        var p = Load("""
            rules:
              - {id: from-ops, effect: allow, when: {resource: {id: payments-api}, context: {channel: "^ops-"}}, auto_approve: true}
              - {id: incident, effect: allow, when: {resource: {id: warehouse}, context: {incident: true}}, auto_approve: true}
            """, "policy:\n  incident_channels: \"^inc-\"\n");
        Assert.Equal(DecisionOutcome.AutoApproved, p.Decide(Request("U0PAY0001", "payments-api", channel: "#ops-payments")).Outcome);
        Assert.Equal(DecisionOutcome.Denied, p.Decide(Request("U0PAY0001", "payments-api", channel: "general")).Outcome);
        Assert.Equal(DecisionOutcome.Denied, p.Decide(Request("U0PAY0001", "payments-api")).Outcome);
        Assert.Equal(DecisionOutcome.AutoApproved, p.Decide(Request("U0PAY0001", "warehouse", channel: "inc-42")).Outcome);
        Assert.Equal(DecisionOutcome.AutoApproved, p.Decide(Request("U0PAY0001", "warehouse", incident: true)).Outcome);
        Assert.Equal(DecisionOutcome.Denied, p.Decide(Request("U0PAY0001", "warehouse", channel: "general")).Outcome);
        Assert.True(p.IsIncidentChannel("#inc-42"));
        Assert.False(p.IsIncidentChannel(null));
    }

    [Fact]
    public void IncidentLabelCondition_MatchesTheLabel_AndFailsClosedWithoutOne()
    {
        var p = Load("""
            rules:
              - {id: ticketed, effect: allow, when: {resource: {id: warehouse}, context: {incident: true, incident_label: "^INC-[0-9]+$"}}, auto_approve: true}
              - {id: not-drills, effect: deny, unless: {context: {incident_label: "^INC-"}}, when: {resource: {id: payments-api}, context: {incident: true}}}
              - {id: staff, effect: allow, when: {resource: {id: payments-api}}, auto_approve: true}
            """, "policy:\n  incident_channels: \"^inc-\"\n");
        Assert.Equal(DecisionOutcome.AutoApproved, p.Decide(Request("U0PAY0001", "warehouse", incident: true, incidentLabel: "INC-4312")).Outcome);
        Assert.Equal(DecisionOutcome.Denied, p.Decide(Request("U0PAY0001", "warehouse", incident: true, incidentLabel: "INC-4312-drill")).Outcome);
        Assert.Equal(DecisionOutcome.Denied, p.Decide(Request("U0PAY0001", "warehouse", incident: true, incidentLabel: "payments-outage")).Outcome);
        // An incident without a label (opened by the first request in an incident channel) or no incident at all: the condition does not hold.
        Assert.Equal(DecisionOutcome.Denied, p.Decide(Request("U0PAY0001", "warehouse", incident: true)).Outcome);
        Assert.Equal(DecisionOutcome.Denied, p.Decide(Request("U0PAY0001", "warehouse", channel: "inc-4312")).Outcome);
        Assert.Equal(DecisionOutcome.Denied, p.Decide(Request("U0PAY0001", "warehouse")).Outcome);
        // In an `unless`, a missing label is unknown, never true: the deny still applies (fail closed).
        Assert.Equal(DecisionOutcome.AutoApproved, p.Decide(Request("U0PAY0001", "payments-api", incident: true, incidentLabel: "INC-7")).Outcome);
        Assert.Equal(DecisionOutcome.Denied, p.Decide(Request("U0PAY0001", "payments-api", incident: true)).Outcome);
        Assert.Equal(DecisionOutcome.Denied, p.Decide(Request("U0PAY0001", "payments-api", incident: true, incidentLabel: "drill-1")).Outcome);
        Assert.Equal(DecisionOutcome.AutoApproved, p.Decide(Request("U0PAY0001", "payments-api")).Outcome);
    }

    [Fact]
    public void TimeWindows_FollowTheZone_AndWrapPastMidnight()
    {
        var p = Load("""
            rules:
              - {id: night, effect: allow, when: {resource: {id: payments-api}, context: {time: {days: Mon-Fri, hours: "22:00-06:00", tz: America/New_York}}}, auto_approve: true}
            """);
        // 03:00 UTC on Thursday is 22:00 Wednesday in New York (EST).
        Assert.Equal(DecisionOutcome.AutoApproved, p.Decide(Request("U0PAY0001", "payments-api", at: new DateTimeOffset(2026, 3, 5, 3, 0, 0, TimeSpan.Zero))).Outcome);
        Assert.Equal(DecisionOutcome.Denied, p.Decide(Request("U0PAY0001", "payments-api", at: new DateTimeOffset(2026, 3, 5, 16, 0, 0, TimeSpan.Zero))).Outcome);
    }

    [Fact]
    public void RequiredTicket_IsSearchedInTheReason()
    {
        var p = Load("""
            rules:
              - {id: r, effect: allow, when: {resource: {id: payments-api}}, auto_approve: true, require: {ticket: "(INC|CHG)-[0-9]+"}}
            """);
        Assert.Equal(DecisionOutcome.AutoApproved, p.Decide(Request("U0PAY0001", "payments-api", reason: "payouts stuck, INC-4312")).Outcome);
        var missing = p.Decide(Request("U0PAY0001", "payments-api", reason: null));
        Assert.Equal(["reason", "ticket"], missing.FieldProblems.Select(f => f.Field));
        var wrong = p.Decide(Request("U0PAY0001", "payments-api", reason: "just looking"));
        Assert.Equal(DecisionOutcome.Denied, wrong.Outcome);
        Assert.Equal("ticket", Assert.Single(wrong.FieldProblems).Field);
    }

    [Fact]
    public void AllowRules_AreAlternatives_TheOneServingTheRequesterBestIsUsed()
    {
        var p = Load("""
            rules:
              - {id: a-needs-two, effect: allow, when: {resource: {id: warehouse}}, approval: {from: owner-team, count: 2}}
              - {id: b-needs-one, effect: allow, when: {resource: {id: warehouse}}, approval: {from: owner-team, count: 1}, require: {ticket: "CHG-[0-9]+"}}
            """);
        Assert.Equal(["b-needs-one"], RuleIds(p.Decide(Request("U0PAY0001", "warehouse", reason: "CHG-1"))));
        // Without a ticket, the rule whose fields are satisfied is used instead of refusing.
        var d = p.Decide(Request("U0PAY0001", "warehouse", reason: "no ticket"));
        Assert.Equal(["a-needs-two"], RuleIds(d));
        Assert.Equal(DecisionOutcome.ApprovalRequired, d.Outcome);
        Assert.Equal(2, Assert.Single(d.Approval!.Requirements).Count);
    }

    [Fact]
    public void UserApprovers_AndGroupsAsRequirements()
    {
        var p = Load("""
            rules:
              - {id: r, effect: allow, when: {resource: {id: warehouse}}, approval: {groups: ["@security", "@payments-oncall"], users: [U0DAT0002], count: 1, timeout: 20m}}
            """);
        var d = p.Decide(Request("U0PAY0001", "warehouse"));
        Assert.Equal(["@security", "@payments-oncall", "U0DAT0002"], d.Approval!.Requirements.Select(r => r.Approvers.Name));
        Assert.Equal("#data-access", d.Approval.Channel);
        Assert.Equal(TimeSpan.FromMinutes(20), d.Approval.Timeout);
    }
}
