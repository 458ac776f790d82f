using JitBot.Policies;
using JitBot.Providers;
using static JitBot.Tests.Policies.Policy;

namespace JitBot.Tests.Policies;

/// <summary>The ten rules every policy obeys, one test (or a few) each, named after the rule.</summary>
public class SemanticsTests
{
    const string OwnersAllow = """
        rules:
          - id: owners
            effect: allow
            when: {resource: {env: production}, match: {principal.team: resource.owner-team}}
            approval: {from: owner-team, count: 1}
            auto_approve: [{principal: {role: oncall}}]
            duration: {default: 1h, max: 4h}
        """;

    // 1. Default deny
    [Fact]
    public void S1_DefaultDeny_NoMatchingAllowRule_IsDeniedAndSaysSo()
    {
        var p = Load(OwnersAllow);
        var d = p.Decide(Request("U0PAY0001", "warehouse"));
        Assert.Equal(DecisionOutcome.Denied, d.Outcome);
        Assert.Empty(d.Rules);
        Assert.Contains("No rule allows", d.Explanation);
    }

    // 2. Deny overrides
    [Fact]
    public void S2_DenyOverrides_AnyMatchingDeny_DeniesAndNamesEveryDenyRule()
    {
        var p = Load(OwnersAllow + "\n" + """
              - {id: no-contractors, effect: deny, when: {principal: {employment: contractor}}, message: No contractors.}
              - {id: no-restricted-for-contractors, effect: deny, when: {principal: {employment: contractor}, resource: {data-class: restricted}}}
              - {id: allow-everyone, effect: allow, when: {resource: {env: production}}, auto_approve: true}
            """);
        var d = p.Decide(Request("U0CTR0001", "payments-db"));
        Assert.Equal(DecisionOutcome.Denied, d.Outcome);
        Assert.Equal(["no-contractors", "no-restricted-for-contractors"], RuleIds(d));
        Assert.All(d.Rules, r => Assert.Equal(RuleEffect.Deny, r.Effect));
        Assert.Contains("No contractors.", d.Explanation);
    }

    // 3. Order does not matter
    [Fact]
    public void S3_OrderDoesNotMatter_ReorderedRulesAndFiles_GiveTheSameDecisions()
    {
        var rules = new[]
        {
            "  - {id: a-allow, effect: allow, when: {resource: {env: production}}, approval: {from: owner-team}, duration: {max: 3h}}",
            "  - {id: b-allow, effect: allow, when: {resource: {env: production}, match: {principal.team: resource.owner-team}}, auto_approve: [{principal: {role: oncall}}], duration: {max: 2h}}",
            "  - {id: c-guard, effect: require_approval, when: {resource: {data-class: restricted}}, approval: {group: \"@security\", count: 2}, duration: {max: 1h}}",
            "  - {id: d-deny, effect: deny, when: {principal: {employment: contractor}, resource: {data-class: restricted}}}",
        };
        var requests = new[]
        {
            Request("U0PAY0001", "payments-db", "8h"), Request("U0PAY0001", "payments-api", "8h", groups: ["S0PAYONC"]),
            Request("U0CTR0001", "payments-db"), Request("U0CTR0001", "payments-api"), Request("U0DAT0001", "warehouse", "30m"),
        };
        string Decide(PolicySnapshot p) => string.Join("|", requests.Select(r => p.Decide(r)).Select(d =>
            $"{d.Outcome};{string.Join(",", RuleIds(d))};{d.Duration?.Granted};{d.Duration?.CappedByRule};" +
            $"{string.Join(",", d.Approval?.Requirements.Select(q => q.Approvers.Name + q.Count) ?? [])};{d.Explanation}"));

        var forward = Decide(Load("rules:\n" + string.Join("\n", rules)));
        var backward = Decide(Load("rules:\n" + string.Join("\n", rules.Reverse())));
        var split = Decide(Load("rules:\n" + string.Join("\n", rules[2..]), "rules:\n" + string.Join("\n", rules[..2])));
        Assert.Equal(forward, backward);
        Assert.Equal(forward, split);
    }

    // 4. Fail closed
    [Fact]
    public void S4_FailClosed_MissingTag_NeverMatches_EvenNegated()
    {
        var p = Load("""
            rules:
              - {id: non-contractors, effect: allow, when: {principal: {employment: {not: contractor}}, resource: {env: production}}, auto_approve: true}
            """);
        Assert.Equal(DecisionOutcome.AutoApproved, p.Decide(Request("U0PAY0001", "payments-api")).Outcome);
        Assert.Equal(DecisionOutcome.Denied, p.Decide(Request("U0CTR0001", "payments-api")).Outcome);
        // U0NOEMP01 has no employment tag: the negated condition does not match.
        Assert.Equal(DecisionOutcome.Denied, p.Decide(Request("U0NOEMP01", "payments-api")).Outcome);
    }

    [Fact]
    public void S4_FailClosed_UnlessOnAMissingTag_StopsAnAllow_ButNotADeny()
    {
        var p = Load("""
            rules:
              - {id: allow-unless-contractor, effect: allow, when: {resource: {env: production}}, unless: {principal: {employment: contractor}}, auto_approve: true}
              - {id: deny-unless-staff, effect: deny, when: {resource: {env: dev}}, unless: {principal: {employment: staff}}}
              - {id: allow-dev, effect: allow, when: {resource: {env: dev}}, auto_approve: true}
            """);
        Assert.Equal(DecisionOutcome.AutoApproved, p.Decide(Request("U0PAY0001", "payments-api")).Outcome);
        Assert.Equal(DecisionOutcome.Denied, p.Decide(Request("U0NOEMP01", "payments-api")).Outcome);
        Assert.Equal(DecisionOutcome.AutoApproved, p.Decide(Request("U0PAY0001", "payments-dev")).Outcome);
        var d = p.Decide(Request("U0NOEMP01", "payments-dev"));
        Assert.Equal(DecisionOutcome.Denied, d.Outcome);
        Assert.Equal(["deny-unless-staff"], RuleIds(d));
    }

    [Fact]
    public void S4_FailClosed_UnknownResource_IsDeniedWithSuggestions_AndUnknownUserGetsNothing()
    {
        var p = Load(OwnersAllow);
        var d = p.Decide(Request("U0PAY0001", "payment-db"));
        Assert.Equal(DecisionOutcome.Denied, d.Outcome);
        Assert.Null(d.Resource);
        Assert.Contains("payments-db", d.Explanation);
        Assert.Equal("payments-db", p.SuggestResources("payment-db")[0]);
        Assert.Equal(DecisionOutcome.Denied, p.Decide(Request("U0UNKNOWN", "payments-api")).Outcome);
        Assert.Equal(DecisionOutcome.Denied, p.Decide(Request("U0UNKNOWN", "payments-api", groups: ["S0NOTDECLARED"])).Outcome);
    }

    [Fact]
    public void S4_FailClosed_JoinWithAMissingTag_NeverMatches()
    {
        var p = Load(OwnersAllow);
        // Unknown user: no team tag at all.
        Assert.Equal(DecisionOutcome.Denied, p.Decide(Request("U0UNKNOWN", "payments-api")).Outcome);
        // A group gives the team tag, so a member of the on-call group is an owner.
        Assert.Equal(DecisionOutcome.AutoApproved, p.Decide(Request("U0UNKNOWN", "payments-api", groups: ["S0PAYONC"])).Outcome);
    }

    // 5. Guards only tighten
    [Fact]
    public void S5_GuardsOnlyTighten_TurnAutoApprovalIntoApproval_AddApprovers_LowerTheMaximum()
    {
        var p = Load(OwnersAllow + "\n" + """
              - id: restricted-guard
                effect: require_approval
                when: {resource: {data-class: restricted}}
                approval: {group: "@security", count: 2}
                duration: {max: 2h}
            """);
        var open = p.Decide(Request("U0PAY0001", "payments-api", "3h", groups: ["S0PAYONC"]));
        Assert.Equal(DecisionOutcome.AutoApproved, open.Outcome);
        Assert.Equal(TimeSpan.FromHours(3), open.Duration!.Granted);

        var guarded = p.Decide(Request("U0PAY0001", "payments-db", "3h", groups: ["S0PAYONC"]));
        Assert.Equal(DecisionOutcome.ApprovalRequired, guarded.Outcome);
        Assert.Equal(["owners", "restricted-guard"], RuleIds(guarded));
        var requirement = Assert.Single(guarded.Approval!.Requirements);
        Assert.Equal(("@security", "S0SECURE", 2), (requirement.Approvers.Name, requirement.Approvers.SlackUserGroupId, requirement.Count));
        Assert.Equal(TimeSpan.FromHours(2), guarded.Duration!.Granted);

        var notOnCall = p.Decide(Request("U0PAY0001", "payments-db", "1h"));
        Assert.Equal(["@payments-oncall:1", "@security:2"], notOnCall.Approval!.Requirements.Select(r => $"{r.Approvers.Name}:{r.Count}"));
    }

    [Fact]
    public void S5_GuardsOnlyTighten_AGuardAloneNeverAllows()
    {
        var p = Load("""
            rules:
              - {id: guard, effect: require_approval, when: {resource: {env: production}}, approval: {group: "@security"}}
            """);
        var d = p.Decide(Request("U0PAY0001", "payments-api"));
        Assert.Equal(DecisionOutcome.Denied, d.Outcome);
    }

    [Fact]
    public void S5_GuardsOnlyTighten_AGuardCannotAutoApproveOrSetADefault()
    {
        using var t = new TempPolicy(("catalog.yaml", Catalog), ("rules.yaml", """
            rules:
              - {id: guard, effect: require_approval, when: {resource: {env: production}}, auto_approve: true, duration: {default: 8h}}
            """));
        var codes = t.Load().Problems.Select(p => p.Code).ToArray();
        Assert.Equal(["bad-key-for-effect", "bad-key-for-effect"], codes);
    }

    // 6. Durations
    [Fact]
    public void S6_Durations_RequestedOrDefault_CappedByEveryMaximum_SayingWhich()
    {
        var p = Load(OwnersAllow + "\n" + """
              - {id: guard-90m, effect: require_approval, when: {resource: {data-class: restricted}}, duration: {max: 90m}}
              - {id: guard-3h, effect: require_approval, when: {resource: {env: production}}, duration: {max: 3h}}
            """);
        var asked = p.Decide(Request("U0PAY0001", "payments-api", "30m"));
        Assert.Equal(new DurationDecision(TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(30), false, null, null), asked.Duration);

        var byDefault = p.Decide(Request("U0PAY0001", "payments-api"));
        Assert.Equal(TimeSpan.FromHours(1), byDefault.Duration!.Granted);
        Assert.Null(byDefault.Duration.Requested);

        var capped = p.Decide(Request("U0PAY0001", "payments-db", "8h"));
        Assert.Equal(new DurationDecision(TimeSpan.FromMinutes(90), TimeSpan.FromHours(8), true, "guard-90m", TimeSpan.FromMinutes(90)), capped.Duration);
        Assert.Contains("Capped from 8 hours by rule guard-90m", capped.Explanation);

        var byAllow = p.Decide(Request("U0PAY0001", "payments-api", "5h"));
        Assert.Equal(("guard-3h", TimeSpan.FromHours(3)), (byAllow.Duration!.CappedByRule, byAllow.Duration.Granted));
    }

    [Fact]
    public void S6_Durations_ZeroOrNegativeRequests_AreFieldProblems_NeverGrants()
    {
        var p = Load(OwnersAllow);
        var request = Request("U0PAY0001", "payments-api", groups: ["S0PAYONC"]) with { RequestedDuration = TimeSpan.FromHours(-2) };
        var d = p.Decide(request);
        Assert.Equal(DecisionOutcome.Denied, d.Outcome);
        Assert.Equal("duration", Assert.Single(d.FieldProblems).Field);
    }

    // 7. Approvals
    [Fact]
    public void S7_Approvals_TheRequesterNeverCounts_EvenWhenInTheApproverGroup()
    {
        var plan = new ApprovalPlan("#payments-access", [new ApprovalRequirement(new ApproverSet("@payments-oncall", "S0PAYONC", ["U0PAY0001"]), 1)], TimeSpan.FromHours(1));
        Assert.Empty(ApprovalRules.CountsFor(plan, "U0PAY0001", "U0PAY0001", ["S0PAYONC"]));
        Assert.Empty(ApprovalRules.GroupsToCheck(plan, "U0PAY0001", "U0PAY0001"));
        Assert.Equal([0], ApprovalRules.CountsFor(plan, "U0PAY0001", "U0OTHER01", ["S0PAYONC"]));
        var progress = ApprovalRules.Tally(plan, "U0PAY0001", [new CountedApproval("U0PAY0001", [0])]);
        Assert.False(progress.Complete);
    }

    [Fact]
    public void S7_Approvals_MembershipIsCheckedAtTheClick()
    {
        var plan = new ApprovalPlan("#c", [new ApprovalRequirement(new ApproverSet("@payments-oncall", "S0PAYONC", []), 1)], TimeSpan.FromHours(1));
        Assert.Equal(["S0PAYONC"], ApprovalRules.GroupsToCheck(plan, "U0REQ0001", "U0APP0001"));
        // Was a member when the request was made, is not any more when clicking: does not count.
        Assert.Empty(ApprovalRules.CountsFor(plan, "U0REQ0001", "U0APP0001", approverGroupIdsNow: []));
        Assert.Equal([0], ApprovalRules.CountsFor(plan, "U0REQ0001", "U0APP0001", approverGroupIdsNow: ["S0PAYONC"]));
    }

    [Fact]
    public void S7_Approvals_ApproversNamedById_NeedNoGroupLookup()
    {
        var plan = new ApprovalPlan("#c", [
            new ApprovalRequirement(new ApproverSet("the leads", "S0LEADS", ["U0LEAD001"]), 1),
            new ApprovalRequirement(new ApproverSet("@security", "S0SECURE", []), 1)], TimeSpan.FromHours(1));
        Assert.Equal(["S0SECURE"], ApprovalRules.GroupsToCheck(plan, "U0REQ0001", "U0LEAD001"));
        Assert.Equal([0], ApprovalRules.CountsFor(plan, "U0REQ0001", "U0LEAD001", approverGroupIdsNow: []));
    }

    [Fact]
    public void S7_Approvals_OnePersonCountsTowardsEveryRequirementTheyQualifyFor()
    {
        var plan = new ApprovalPlan("#c", [
            new ApprovalRequirement(new ApproverSet("@payments-oncall", "S0PAYONC", []), 2),
            new ApprovalRequirement(new ApproverSet("@security", "S0SECURE", []), 1)], TimeSpan.FromHours(1));
        var a = new CountedApproval("U0A", ApprovalRules.CountsFor(plan, "U0REQ0001", "U0A", ["S0PAYONC", "S0SECURE"]));
        var b = new CountedApproval("U0B", ApprovalRules.CountsFor(plan, "U0REQ0001", "U0B", ["S0PAYONC"]));
        Assert.Equal([0, 1], a.CountsFor);
        var one = ApprovalRules.Tally(plan, "U0REQ0001", [a]);
        Assert.False(one.Complete);
        Assert.Equal(("@payments-oncall", 1), (Assert.Single(one.Missing).Approvers.Name, one.Missing[0].Count));
        var two = ApprovalRules.Tally(plan, "U0REQ0001", [a, b]);
        Assert.True(two.Complete);
        var doubleClick = ApprovalRules.Tally(plan, "U0REQ0001", [a, a]);
        Assert.False(doubleClick.Complete);
    }

    [Fact]
    public void S7_Approvals_AFixedApproverListWithOnlyTheRequester_IsDeniedNotSentForApproval()
    {
        var p = Load("""
            rules:
              - {id: solo, effect: allow, when: {resource: {owner-team: solo}}, approval: {from: owner-team}}
            """);
        var d = p.Decide(Request("U0SOLO001", "solo-box"));
        Assert.Equal(DecisionOutcome.Denied, d.Outcome);
        Assert.Contains("cannot approve your own request", d.Explanation);
        Assert.Equal(DecisionOutcome.ApprovalRequired, p.Decide(Request("U0PAY0001", "solo-box")).Outcome);
    }

    // 8. Explained
    [Fact]
    public void S8_Explained_EveryDecisionCarriesItsRulesAndASentence()
    {
        var p = Load(OwnersAllow + "\n" + """
              - {id: guard, effect: require_approval, when: {resource: {data-class: restricted}}, message: Restricted data is reviewed.}
            """);
        var d = p.Decide(Request("U0PAY0001", "payments-db", "2h"));
        Assert.Equal(["owners", "guard"], RuleIds(d));
        Assert.Equal([RuleEffect.Allow, RuleEffect.RequireApproval], d.Rules.Select(r => r.Effect));
        Assert.StartsWith("Needs approval from 1 of @payments-oncall in #payments-access for 2 hours", d.Explanation);
        Assert.Contains("Restricted data is reviewed.", d.Explanation);
    }

    // 9. Versioned
    [Fact]
    public void S9_Versioned_EveryDecisionRecordsTheContentHash_WhichChangesWithTheFiles()
    {
        using var t = new TempPolicy(("catalog.yaml", Catalog), ("rules.yaml", OwnersAllow));
        var first = t.Load().Snapshot!;
        Assert.Matches("^sha256:[0-9a-f]{64}$", first.Version);
        Assert.Equal(first.Version, first.Decide(Request("U0PAY0001", "payments-api")).PolicyVersion);
        Assert.Equal(first.Version, first.Decide(Request("U0PAY0001", "nothing")).PolicyVersion);
        Assert.Equal(first.Version, t.Load().Snapshot!.Version);
        t.Write("rules.yaml", OwnersAllow + "\n# a comment changes the content\n");
        Assert.NotEqual(first.Version, t.Load().Snapshot!.Version);
    }

    // 10. Validated before use
    [Fact]
    public void S10_ValidatedBeforeUse_AnInvalidPolicyNeverLoads_AndTheSourceKeepsTheLastGoodOne()
    {
        using var t = new TempPolicy(("catalog.yaml", Catalog), ("rules.yaml", OwnersAllow));
        var source = new PolicySource(t.Dir, ProviderTypes.Known);
        var good = source.Current.Version;

        t.Write("rules.yaml", OwnersAllow.Replace("max: 4h", "max: forever"));
        var refused = source.Reload();
        Assert.Null(refused.Snapshot);
        var problem = Assert.Single(refused.Problems);
        Assert.Equal(("rules.yaml", 7, 34, "bad-duration"), (problem.File, problem.Line, problem.Column, problem.Code));
        Assert.Equal(good, source.Current.Version);
        Assert.Same(refused, source.LastRefused);

        t.Write("rules.yaml", OwnersAllow.Replace("max: 4h", "max: 5h"));
        Assert.NotNull(source.Reload().Snapshot);
        Assert.NotEqual(good, source.Current.Version);
        Assert.Null(source.LastRefused);
    }

    [Fact]
    public void S10_ValidatedBeforeUse_AnInvalidPolicyAtStartUp_Throws_ListingFileLineColumn()
    {
        using var t = new TempPolicy(("catalog.yaml", Catalog), ("rules.yaml", OwnersAllow.Replace("effect: allow", "effect: allow\n    colour: blue")));
        var e = Assert.Throws<PolicyLoadException>(() => new PolicySource(t.Dir, ProviderTypes.Known));
        Assert.Contains("rules.yaml:4:5: unknown-key:", e.Message);
    }
}
