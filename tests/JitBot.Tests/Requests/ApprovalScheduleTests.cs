using JitBot.Policies;
using JitBot.Requests;
using JitBot.Tests.Storage;

namespace JitBot.Tests.Requests;

/// <summary>When a pending request's reminder and escalation are due: from its creation, by its stored plan, before its timeout, once.</summary>
public class ApprovalScheduleTests
{
    static readonly DateTimeOffset Made = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    static readonly ApproverSet Leads = new("@leads", "S0LEADS", []);

    static AccessRequest Pending(TimeSpan timeout, TimeSpan? remind, TimeSpan? escalate)
    {
        var decision = DecisionJsonTests.RichDecision();
        decision = decision with
        {
            Approval = decision.Approval! with
            {
                Timeout = timeout,
                RemindAfter = remind,
                Escalation = escalate is { } e ? new ApprovalEscalation(e, Leads, "C0LEADS") : null,
            },
        };
        return new AccessRequest(new RequestId("req_abcdefabcdef"), "U0REQ", "payments-db", null, null, null, null, false,
            RequestState.Pending, Made, null, null, decision, []);
    }

    [Fact]
    public void Steps_AreCountedFromTheRequest_SoonestFirst()
    {
        var r = Pending(TimeSpan.FromHours(2), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1));
        Assert.Equal([new DueStep(ApprovalStep.Remind, Made.AddMinutes(30)), new DueStep(ApprovalStep.Escalate, Made.AddHours(1))], ApprovalSchedule.Remaining(r));
        Assert.Equal(Made.AddMinutes(30), ApprovalSchedule.Next(r));
        Assert.Empty(ApprovalSchedule.Due(r, Made.AddMinutes(29)));
        Assert.Equal([ApprovalStep.Remind], ApprovalSchedule.Due(r, Made.AddMinutes(30)).Select(s => s.Step));
        Assert.Equal([ApprovalStep.Remind, ApprovalStep.Escalate], ApprovalSchedule.Due(r, Made.AddHours(5)).Select(s => s.Step));
    }

    [Fact]
    public void AStepTaken_IsNotDueAgain_AndTheNextIsTheOneLeft()
    {
        var r = Pending(TimeSpan.FromHours(2), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1)) with { RemindedAt = Made.AddMinutes(31) };
        Assert.Equal(Made.AddHours(1), ApprovalSchedule.Next(r));
        Assert.False(ApprovalSchedule.Escalated(r));
        r = r with { EscalatedAt = Made.AddHours(1) };
        Assert.Null(ApprovalSchedule.Next(r));
        Assert.Empty(ApprovalSchedule.Due(r, Made.AddHours(3)));
        Assert.True(ApprovalSchedule.Escalated(r));
    }

    [Fact]
    public void AStepAtOrAfterTheTimeout_NeverHappens()
    {
        Assert.Empty(ApprovalSchedule.Remaining(Pending(TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1))));
        Assert.Equal([ApprovalStep.Remind], ApprovalSchedule.Remaining(Pending(TimeSpan.FromMinutes(45), TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(45))).Select(s => s.Step));
    }

    [Theory]
    [InlineData(RequestState.Granted)]
    [InlineData(RequestState.Rejected)]
    [InlineData(RequestState.TimedOut)]
    public void ADecidedRequest_HasNoStepsLeft(RequestState state)
    {
        var r = Pending(TimeSpan.FromHours(2), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1)) with { State = state };
        Assert.Empty(ApprovalSchedule.Remaining(r));
        Assert.Null(ApprovalSchedule.Next(r));
    }

    [Fact]
    public void APlanWithoutSteps_HasNone()
    {
        var r = Pending(TimeSpan.FromHours(2), null, null);
        Assert.Empty(ApprovalSchedule.Remaining(r));
        Assert.False(ApprovalSchedule.Escalated(r with { EscalatedAt = Made }));
    }

    [Fact]
    public void OnceEscalated_AMemberOfTheEscalationCountsForEveryRequirement_AndNotBefore()
    {
        var plan = Pending(TimeSpan.FromHours(2), null, TimeSpan.FromHours(1)).Decision.Approval!;
        Assert.Empty(ApprovalRules.CountsFor(plan, "U0REQ", "U0LEAD", ["S0LEADS"]));
        Assert.DoesNotContain("S0LEADS", ApprovalRules.GroupsToCheck(plan, "U0REQ", "U0LEAD"));
        Assert.Contains("S0LEADS", ApprovalRules.GroupsToCheck(plan, "U0REQ", "U0LEAD", escalated: true));
        Assert.Equal([0, 1], ApprovalRules.CountsFor(plan, "U0REQ", "U0LEAD", ["S0LEADS"], escalated: true));
        Assert.Empty(ApprovalRules.CountsFor(plan, "U0LEAD", "U0LEAD", ["S0LEADS"], escalated: true)); // never the requester
        Assert.Empty(ApprovalRules.CountsFor(plan, "U0REQ", "U0OTHER", [], escalated: true));
    }
}
