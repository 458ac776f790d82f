using JitBot.Policies;
using JitBot.Requests;

namespace JitBot.Tests.Slack;

/// <summary>Requests and decisions as the lifecycle hands them to the Slack app.</summary>
static class Samples
{
    public static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    public static readonly ResourceInfo PaymentsDb = new("payments-db", "Payments primary database",
        new Dictionary<string, string> { ["env"] = "production", ["owner-team"] = "payments", ["data-class"] = "restricted" },
        "payments", new ProviderSettings("record", new Dictionary<string, string>()));

    public static ApprovalPlan Plan(int count = 1) => new("C0APPROVALS",
        [new ApprovalRequirement(new ApproverSet("@payments-oncall", "S0ONCALL", []), count)], TimeSpan.FromHours(1));

    public static Decision Decision(DecisionOutcome outcome, ApprovalPlan? plan = null, IReadOnlyList<FieldProblem>? problems = null,
        bool capped = false) =>
        new(outcome, "payments-db", PaymentsDb,
            new DurationDecision(TimeSpan.FromHours(2), capped ? TimeSpan.FromHours(8) : TimeSpan.FromHours(2), capped, capped ? "prod-cap" : null,
                capped ? TimeSpan.FromHours(2) : null),
            plan, problems ?? [],
            [new RuleContribution(outcome == DecisionOutcome.Denied ? "deny-prod-contractors" : "payments-owner-approval",
                outcome == DecisionOutcome.Denied ? RuleEffect.Deny : RuleEffect.RequireApproval, "decided",
                outcome == DecisionOutcome.Denied ? "Contractors never get production data." : null)],
            outcome switch
            {
                DecisionOutcome.Denied => "Denied by deny-prod-contractors.",
                DecisionOutcome.AutoApproved => "Auto-approved: you are on call.",
                _ => "Production payments data needs approval from @payments-oncall.",
            },
            "sha256:3f2a9b8c7d6e5f4a3b2c1d0e");

    public static AccessRequest Request(RequestState state, Decision decision, string reason = "INC-4312 payouts stuck",
        IReadOnlyList<ApprovalVote>? votes = null, string? decidedBy = null) =>
        new(new RequestId("req_test0000001"), "U0REQUESTER", "payments-db", TimeSpan.FromHours(2), reason, "C0ASKEDFROM", "payments",
            false, state, Now, decidedBy is null ? null : Now.AddMinutes(5), decidedBy, decision, votes ?? []);

    public static Grant Grant(DateTimeOffset? grantedAt = null) =>
        new(new GrantId("grt_test0000001"), new RequestId("req_test0000001"), "U0REQUESTER", "payments-db",
            grantedAt ?? Now, (grantedAt ?? Now).AddHours(2), GrantState.Active, null);
}
