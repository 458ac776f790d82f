using JitBot.Grants;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Storage;

namespace JitBot.Tests.Grants;

/// <summary>What an extension may do: the one place that decides it, <see cref="ExtensionRules"/>.</summary>
public class ExtensionRulesTests
{
    static readonly DateTimeOffset Now = new(2026, 3, 4, 11, 0, 0, TimeSpan.Zero);
    static readonly ApprovalPlan OwnerPlan = new("#payments-access", [new ApprovalRequirement(new ApproverSet("@payments-oncall", "S0PAYONC", []), 1)], TimeSpan.FromHours(1));

    /// <summary>A grant started an hour ago that ends in an hour (two hours in all).</summary>
    static GrantRecord Grant(int extensions = 0, GrantState state = GrantState.Active, string? revokedBy = null) =>
        new(new Grant(new GrantId("grt_p3n8d2w6z0ab"), new RequestId("req_7k2m9x4q1c3v"), "U0PAY0001", "payments-dev", Now.AddHours(-1), Now.AddHours(1), state, null),
            "record", "record:payments-dev:U0PAY0001")
        { Extensions = extensions, RevokedBy = revokedBy };

    /// <summary>What the policy decided about a request for the whole new length: granted up to <paramref name="granted"/>.</summary>
    static Decision Decided(DecisionOutcome outcome, TimeSpan granted, ExtensionPolicy? extend = null, ApprovalPlan? plan = null) =>
        new(outcome, "payments-dev",
            new ResourceInfo("payments-dev", "dev", new Dictionary<string, string>(), "payments", new ProviderSettings("record", new Dictionary<string, string>())) { Extend = extend },
            new DurationDecision(granted, null, false, null, null), plan, [], [], "Because.", "sha256:x");

    [Fact]
    public void WithinTheRulesMaximum_ItIsExtendedAtOnce()
    {
        var verdict = ExtensionRules.Check(Grant(), TimeSpan.FromHours(1), Decided(DecisionOutcome.AutoApproved, TimeSpan.FromHours(3)), OwnerPlan, Now);
        Assert.Equal(new ExtensionVerdict.Automatic(Now.AddHours(2)), verdict);
    }

    [Fact]
    public void WithoutMaxTotal_TheNewLengthIsCappedByWhatTheRuleWouldGrant()
    {
        // The rule grants at most 2h30m: three hours in all is too long, and the sentence says how much is left.
        var verdict = Assert.IsType<ExtensionVerdict.Refused>(
            ExtensionRules.Check(Grant(), TimeSpan.FromHours(1), Decided(DecisionOutcome.AutoApproved, TimeSpan.FromMinutes(150)), OwnerPlan, Now));
        Assert.Contains("at most 2 hours, 30 minutes", verdict.Message);
        Assert.Contains("up to 30 minutes", verdict.Message);
    }

    [Fact]
    public void MaxTotal_IsTheLimit_WhateverASingleRequestMayGet()
    {
        var extend = ExtensionPolicy.Default with { MaxTotal = TimeSpan.FromHours(8) };
        Assert.IsType<ExtensionVerdict.Automatic>(
            ExtensionRules.Check(Grant(), TimeSpan.FromHours(6), Decided(DecisionOutcome.AutoApproved, TimeSpan.FromHours(4), extend), OwnerPlan, Now));
        var refused = Assert.IsType<ExtensionVerdict.Refused>(
            ExtensionRules.Check(Grant(), TimeSpan.FromHours(7), Decided(DecisionOutcome.AutoApproved, TimeSpan.FromHours(4), extend), OwnerPlan, Now));
        Assert.Contains("9 hours in all", refused.Message);
    }

    [Fact]
    public void MaxCount_Counts_AndZeroMeansNever()
    {
        var twice = ExtensionPolicy.Default with { MaxCount = 2 };
        Assert.IsType<ExtensionVerdict.Automatic>(ExtensionRules.Check(Grant(extensions: 1), TimeSpan.FromMinutes(30), Decided(DecisionOutcome.AutoApproved, TimeSpan.FromHours(4), twice), null, Now));
        Assert.Contains("extended twice already",
            Assert.IsType<ExtensionVerdict.Refused>(ExtensionRules.Check(Grant(extensions: 2), TimeSpan.FromMinutes(30), Decided(DecisionOutcome.AutoApproved, TimeSpan.FromHours(4), twice), null, Now)).Message);
        Assert.IsType<ExtensionVerdict.Refused>(ExtensionRules.Check(Grant(extensions: 3), TimeSpan.FromMinutes(30), Decided(DecisionOutcome.AutoApproved, TimeSpan.FromHours(4)), null, Now));
        Assert.Contains("does not let grants",
            Assert.IsType<ExtensionVerdict.Refused>(ExtensionRules.Check(Grant(), TimeSpan.FromMinutes(30), Decided(DecisionOutcome.AutoApproved, TimeSpan.FromHours(4), ExtensionPolicy.Default with { MaxCount = 0 }), null, Now)).Message);
    }

    [Fact]
    public void Approval_AsARequestWouldNeedIt_OrAlways()
    {
        var needs = new ApprovalPlan("#payments-access", [new ApprovalRequirement(new ApproverSet("@security", "S0SECURE", []), 2)], TimeSpan.FromMinutes(30));
        Assert.Equal(new ExtensionVerdict.NeedsApproval(Now.AddHours(2), needs),
            ExtensionRules.Check(Grant(), TimeSpan.FromHours(1), Decided(DecisionOutcome.ApprovalRequired, TimeSpan.FromHours(3), plan: needs), OwnerPlan, Now));
        var always = ExtensionPolicy.Default with { Approval = ExtensionApproval.Always };
        Assert.Equal(new ExtensionVerdict.NeedsApproval(Now.AddHours(2), OwnerPlan),
            ExtensionRules.Check(Grant(), TimeSpan.FromHours(1), Decided(DecisionOutcome.AutoApproved, TimeSpan.FromHours(3), always), OwnerPlan, Now));
        // Approved already: the limits hold, approval is not asked again.
        Assert.IsType<ExtensionVerdict.Automatic>(
            ExtensionRules.Check(Grant(), TimeSpan.FromHours(1), Decided(DecisionOutcome.AutoApproved, TimeSpan.FromHours(3), always), null, Now, approved: true));
        // Nobody to ask: refused, never granted without approval.
        Assert.IsType<ExtensionVerdict.Refused>(
            ExtensionRules.Check(Grant(), TimeSpan.FromHours(1), Decided(DecisionOutcome.AutoApproved, TimeSpan.FromHours(3), always), null, Now));
    }

    [Fact]
    public void EndedGrants_DeniedRequests_AndNothingAskedFor_AreRefused()
    {
        var fine = Decided(DecisionOutcome.AutoApproved, TimeSpan.FromHours(4));
        Assert.Contains("already ended", Assert.IsType<ExtensionVerdict.Refused>(ExtensionRules.Check(Grant(state: GrantState.Expired), TimeSpan.FromHours(1), fine, null, Now)).Message);
        Assert.Contains("already ended", Assert.IsType<ExtensionVerdict.Refused>(ExtensionRules.Check(Grant(revokedBy: "U0X"), TimeSpan.FromHours(1), fine, null, Now)).Message);
        Assert.Contains("already ended", Assert.IsType<ExtensionVerdict.Refused>(ExtensionRules.Check(Grant(), TimeSpan.FromHours(1), fine, null, Now.AddHours(2))).Message);
        Assert.Contains("Because.", Assert.IsType<ExtensionVerdict.Refused>(ExtensionRules.Check(Grant(), TimeSpan.FromHours(1), Decided(DecisionOutcome.Denied, TimeSpan.FromHours(4)), null, Now)).Message);
        Assert.IsType<ExtensionVerdict.Refused>(ExtensionRules.Check(Grant(), TimeSpan.Zero, fine, null, Now));
    }

    [Fact]
    public void TheButtonsStep_IsTheResourcesDefault_ElseAnHour()
    {
        Assert.Equal(TimeSpan.FromHours(1), ExtensionRules.DefaultStep(null));
        Assert.Equal(TimeSpan.FromMinutes(30), ExtensionRules.DefaultStep(Decided(DecisionOutcome.AutoApproved, TimeSpan.FromHours(1), ExtensionPolicy.Default with { Step = TimeSpan.FromMinutes(30) }).Resource));
    }

    [Fact]
    public void Warnings_AreDueInsideTheWindow_ForGrantsLongerThanIt()
    {
        var grant = Grant().Grant;
        Assert.False(ExpiryWarnings.Due(grant, TimeSpan.FromMinutes(10), Now));
        Assert.True(ExpiryWarnings.Due(grant, TimeSpan.FromMinutes(10), Now.AddMinutes(50)));
        Assert.False(ExpiryWarnings.Due(grant, TimeSpan.FromMinutes(10), Now.AddHours(1)));
        Assert.False(ExpiryWarnings.Due(grant, TimeSpan.Zero, Now.AddMinutes(55)));
        // A grant no longer than its window gets none.
        Assert.False(ExpiryWarnings.Due(grant, TimeSpan.FromHours(2), Now.AddMinutes(30)));
        Assert.Equal(TimeSpan.FromMinutes(10), ExpiryWarnings.WindowFor(null, new GrantsOptions()));
        Assert.Equal(TimeSpan.Zero, ExpiryWarnings.WindowFor(null, new GrantsOptions { WarnBeforeMinutes = 0 }));
    }
}
