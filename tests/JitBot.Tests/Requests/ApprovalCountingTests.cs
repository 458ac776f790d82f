using JitBot.Policies;
using JitBot.Requests;
using JitBot.Tests.Fakes;

namespace JitBot.Tests.Requests;

/// <summary>The request lifecycle counts approvals by <see cref="ApprovalRules"/>, click by click.</summary>
public sealed class ApprovalCountingTests : IAsyncLifetime
{
    const string Requester = "U0REQUESTER";
    const string Oncall = "S0ONCALL";
    const string Dba = "S0DBA";
    const string Leads = "S0LEADS";

    static readonly ApprovalPlan Plan = new("C0PAYMENTS", [
        new ApprovalRequirement(FakePolicy.Group("@payments-oncall", Oncall), 2),
        new ApprovalRequirement(new ApproverSet("the leads", Leads, ["U0LEAD", "U0CAROL"]), 1),
        new ApprovalRequirement(FakePolicy.Group("@dba", Dba), 1)], TimeSpan.FromHours(1));

    readonly CoreHarness h = new();
    CancellationToken Ct => CancellationToken.None;

    public Task InitializeAsync()
    {
        h.Policy.RequireApproval("ledger", TimeSpan.FromHours(2), Plan.Timeout, [.. Plan.Requirements]);
        h.Directory_.Add(Oncall, "U0ALICE", "U0BOB", "U0CAROL", Requester).Add(Dba, "U0CAROL", "U0DAVE");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    [Fact]
    public async Task Approve_CountsEachClickExactlyAsTheApprovalRulesDo()
    {
        var submitted = await h.SubmitAsync(Requester, "ledger");
        var counted = new List<CountedApproval>();
        var clicks = new (string Approver, Action? Before)[]
        {
            (Requester, null),
            ("U0STRANGER", null),
            ("U0ALICE", null),
            ("U0CAROL", () => h.Directory_.Remove(Dba, "U0CAROL")),
            ("U0DAVE", null),
        };

        foreach (var (approver, before) in clicks)
        {
            before?.Invoke();
            var groupsNow = await h.Directory_.GroupsOfAsync(approver, [Oncall, Dba, Leads], Ct);
            var countsFor = ApprovalRules.CountsFor(Plan, Requester, approver, groupsNow);

            var outcome = await h.Requests.ApproveAsync(submitted.Request.Id, approver, Ct);

            if (countsFor.Count == 0)
            {
                Assert.Contains(outcome.Verdict, new[] { ApprovalVerdict.RefusedSelf, ApprovalVerdict.RefusedNotApprover });
                continue;
            }
            counted.Add(new CountedApproval(approver, countsFor));
            var progress = ApprovalRules.Tally(Plan, Requester, counted);
            Assert.Equal(progress.Complete ? ApprovalVerdict.Approved : ApprovalVerdict.Recorded, outcome.Verdict);
            foreach (var missing in progress.Missing)
                Assert.Contains($"{missing.Count} more from {missing.Approvers.Name}", outcome.Message);
            foreach (var met in Plan.Requirements.Where(r => progress.Missing.All(m => m.Approvers != r.Approvers)))
                Assert.DoesNotContain($"more from {met.Approvers.Name}", outcome.Message);
        }

        Assert.Equal(RequestState.Granted, (await h.Requests.FindAsync(submitted.Request.Id, Ct))!.State);
    }
}
