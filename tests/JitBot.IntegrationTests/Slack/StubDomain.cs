using System.Collections.Concurrent;
using JitBot.Policies;
using JitBot.Requests;
using NSubstitute;

namespace JitBot.IntegrationTests.Slack;

/// <summary>Stand-ins for the lifecycle and the policy, for tests of the Slack edge alone.</summary>
public sealed class StubDomain
{
    public static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    public IAccessRequests Requests { get; } = Substitute.For<IAccessRequests>();
    public IPolicySource Policies { get; } = Substitute.For<IPolicySource>();
    public IPolicySnapshot Snapshot { get; } = Substitute.For<IPolicySnapshot>();
    public MemoryRefs Refs { get; } = new();

    public static readonly ResourceInfo PaymentsDb = new("payments-db", "Payments primary database",
        new Dictionary<string, string> { ["env"] = "production", ["owner-team"] = "payments" },
        "payments", new ProviderSettings("record", new Dictionary<string, string>()));

    public StubDomain()
    {
        Policies.Current.Returns(Snapshot);
        Snapshot.FindResource("payments-db").Returns(PaymentsDb);
        Snapshot.SuggestResources(Arg.Any<string>(), Arg.Any<int>()).Returns(["payments-db"]);
    }

    public static AccessRequest Pending(string reason = "INC-1 payouts stuck") => new(
        new RequestId("req_stub00000001"), "U0REQUESTER", "payments-db", TimeSpan.FromHours(2), reason, "C0ASKING", "payments",
        false, RequestState.Pending, Now, null, null,
        new Decision(DecisionOutcome.ApprovalRequired, "payments-db", PaymentsDb,
            new DurationDecision(TimeSpan.FromHours(2), TimeSpan.FromHours(2), false, null, null),
            new ApprovalPlan("C0APPROVALS", [new ApprovalRequirement(new ApproverSet("@payments-oncall", "S0ONCALL", []), 1)], TimeSpan.FromHours(1)),
            [], [new RuleContribution("payments-approval", RuleEffect.RequireApproval, "required approval", null)],
            "Production payments data needs approval from @payments-oncall.", "sha256:0123456789abcdef"),
        []);

    public sealed class MemoryRefs : IMessageRefStore
    {
        readonly ConcurrentDictionary<(RequestId, string), MessageRef> refs = new();
        public Task SaveAsync(MessageRef reference, CancellationToken cancellationToken)
        {
            refs[(reference.RequestId, reference.Kind)] = reference;
            return Task.CompletedTask;
        }
        public Task<MessageRef?> FindAsync(RequestId requestId, string kind, CancellationToken cancellationToken) =>
            Task.FromResult(refs.TryGetValue((requestId, kind), out var r) ? r : null);
    }
}
