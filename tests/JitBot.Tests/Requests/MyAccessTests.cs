using JitBot.Policies;
using JitBot.Requests;
using JitBot.Storage;
using JitBot.Tests.Fakes;
using JitBot.Tests.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using MsFakeTime = Microsoft.Extensions.Time.Testing.FakeTimeProvider;

namespace JitBot.Tests.Requests;

/// <summary>What a person has and what waits for them (<see cref="MyAccess"/>), over a real store.</summary>
public sealed class MyAccessTests : IAsyncLifetime
{
    const string Me = "U0ME";
    const string Other = "U0OTHER";
    const string Group = "S0ONCALL";

    readonly MsFakeTime _time = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    readonly LiteDbTestDatabase _database = new();
    readonly FakeGroupDirectory _directory = new();
    IAccessStore _store = null!;
    int _next;
    static CancellationToken Ct => CancellationToken.None;

    DateTimeOffset Now => _time.GetUtcNow();

    public async Task InitializeAsync()
    {
        _store = _database.Open(new OutboxSignal(), _time);
        await _store.MigrateAsync(Ct);
    }

    public async Task DisposeAsync()
    {
        _database.Close(_store);
        await _database.DisposeAsync();
    }

    MyAccess Model(IGroupDirectory? directory = null) => new(_store, directory ?? _directory, _time, NullLogger<MyAccess>.Instance);

    static Decision Approval(params ApprovalRequirement[] requirements) => DecisionJsonTests.RichDecision() with
    {
        Approval = new ApprovalPlan("#payments-access", requirements, TimeSpan.FromDays(30)),
    };

    static readonly Decision ByGroup = Approval(new ApprovalRequirement(new ApproverSet("@oncall", Group, []), 1));
    static readonly Decision ByName = Approval(new ApprovalRequirement(new ApproverSet("leads", null, [Me]), 1));

    async Task<AccessRequest> RequestAsync(string requester, RequestState state, DateTimeOffset createdAt, Decision? decision = null,
        string resource = "payments-db", DateTimeOffset? decidedAt = null)
    {
        var id = new RequestId($"req_{++_next:D12}");
        var request = new AccessRequest(id, requester, resource, TimeSpan.FromHours(1), "checking", null, null, false, state, createdAt,
            state == RequestState.Pending ? null : decidedAt ?? createdAt, state == RequestState.Rejected ? "U0APPROVER" : null,
            decision ?? ByGroup, []);
        await using var tx = await _store.BeginAsync(Ct);
        await tx.InsertRequestAsync(request, state == RequestState.Pending ? createdAt.AddDays(30) : null, Ct);
        await tx.CommitAsync(Ct);
        return request;
    }

    async Task<Grant> GrantAsync(string user, DateTimeOffset grantedAt, DateTimeOffset expiresAt, GrantState end = GrantState.Active, DateTimeOffset? endedAt = null)
    {
        var request = await RequestAsync(user, end == GrantState.Failed ? RequestState.Failed : RequestState.Granted, grantedAt);
        var grant = new Grant(new GrantId($"grt_{_next:D12}"), request.Id, user, request.ResourceId, grantedAt, expiresAt, GrantState.Active, null);
        await using (var tx = await _store.BeginAsync(Ct))
        {
            await tx.InsertGrantAsync(new GrantRecord(grant, "fake", "fake:" + grant.Id), Ct);
            await tx.CommitAsync(Ct);
        }
        if (end == GrantState.Active) return grant;
        await using (var tx = await _store.BeginAsync(Ct))
        {
            Assert.True(await tx.TryMoveGrantAsync(grant.Id, GrantState.Active, end, endedAt ?? expiresAt, Ct));
            await tx.CommitAsync(Ct);
        }
        return grant with { State = end, EndedAt = endedAt ?? expiresAt };
    }

    async Task VoteAsync(RequestId id, string approver)
    {
        await using var tx = await _store.BeginAsync(Ct);
        Assert.True(await tx.TryAddVoteAsync(id, new VoteRecord(new ApprovalVote(approver, true, Now), [0]), Ct));
        await tx.CommitAsync(Ct);
    }

    [Fact]
    public async Task Lists_AreOrdered_ActiveSoonestEndingFirst_PendingOldestFirst_RecentNewestFirst()
    {
        var later = await GrantAsync(Me, Now.AddHours(-1), Now.AddHours(3));
        var sooner = await GrantAsync(Me, Now.AddHours(-1), Now.AddMinutes(20));
        var newer = await RequestAsync(Me, RequestState.Pending, Now.AddMinutes(-5));
        var older = await RequestAsync(Me, RequestState.Pending, Now.AddMinutes(-50));
        var expired = await GrantAsync(Me, Now.AddHours(-5), Now.AddHours(-4), GrantState.Expired);
        var revoked = await GrantAsync(Me, Now.AddHours(-3), Now.AddHours(1), GrantState.Revoked, Now.AddHours(-2));
        var denied = await RequestAsync(Me, RequestState.Denied, Now.AddMinutes(-30));
        var timedOut = await RequestAsync(Me, RequestState.TimedOut, Now.AddDays(-2), decidedAt: Now.AddDays(-1));
        await GrantAsync(Other, Now.AddHours(-1), Now.AddHours(1));
        await RequestAsync(Other, RequestState.Denied, Now.AddMinutes(-1));

        var mine = await Model().ForAsync(Me, Ct);

        Assert.Equal([sooner.Id, later.Id], mine.Active.Items.Select(g => g.Id));
        Assert.Equal([older.Id, newer.Id], mine.Pending.Items.Select(r => r.Id));
        Assert.Equal([denied.Id.Value, revoked.Id.Value, expired.Id.Value, timedOut.Id.Value],
            mine.Recent.Items.Select(r => r.Grant?.Id.Value ?? r.Request!.Id.Value));
        Assert.Equal(Now.AddHours(-2), mine.Recent.Items[1].At);
        Assert.Empty(mine.WaitingForMe.Items);
        Assert.False(mine.IsEmpty);
        Assert.Equal(Now, mine.Now);
    }

    [Fact]
    public async Task Recent_KeepsTheLastSevenDays_AndAFailedGrantOnce()
    {
        await GrantAsync(Me, Now.AddDays(-9), Now.AddDays(-8), GrantState.Expired);
        await RequestAsync(Me, RequestState.Rejected, Now.AddDays(-8));
        var failed = await GrantAsync(Me, Now.AddHours(-1), Now.AddHours(1), GrantState.Failed, Now.AddHours(-1));

        var mine = await Model().ForAsync(Me, Ct);

        // The failed request and its failed grant are one item: the grant, with its id.
        Assert.Equal([failed.Id], mine.Recent.Items.Select(r => r.Grant!.Id));
    }

    [Fact]
    public async Task WaitingForMe_IsOthersPendingRequestsIMayApprove_NotMyOwn_NotOnesIVotedOn()
    {
        _directory.Add(Group, Me, Other);
        var byGroup = await RequestAsync(Other, RequestState.Pending, Now.AddMinutes(-10), ByGroup);
        var byName = await RequestAsync("U0THIRD", RequestState.Pending, Now.AddMinutes(-20), ByName);
        var mineByGroup = await RequestAsync(Me, RequestState.Pending, Now.AddMinutes(-30), ByGroup); // my own: never waits for me
        await RequestAsync(Me, RequestState.Pending, Now.AddMinutes(-30), ByName);          // not even where the policy names me
        await RequestAsync(Other, RequestState.Pending, Now.AddMinutes(-5),
            Approval(new ApprovalRequirement(new ApproverSet("@others", "S0OTHERS", []), 1))); // a group I am not in
        await RequestAsync(Other, RequestState.Rejected, Now.AddMinutes(-5), ByGroup);      // decided
        var voted = await RequestAsync("U0THIRD", RequestState.Pending, Now.AddMinutes(-1),
            Approval(new ApprovalRequirement(new ApproverSet("@oncall", Group, []), 2)));
        await VoteAsync(voted.Id, Me);

        var mine = await Model().ForAsync(Me, Ct);
        Assert.Equal([byName.Id, byGroup.Id], mine.WaitingForMe.Items.Select(r => r.Id));
        Assert.False(mine.ApproverGroupsUnknown);

        var notAMember = await Model().ForAsync("U0NOBODY", Ct);
        Assert.Empty(notAMember.WaitingForMe.Items);
        Assert.True(notAMember.IsEmpty);

        // The other group member sees mine and the third person's waiting for them, never their own.
        var other = await Model().ForAsync(Other, Ct);
        Assert.Equal([mineByGroup.Id, voted.Id], other.WaitingForMe.Items.Select(r => r.Id));
    }

    [Fact]
    public async Task WaitingForMe_IncludesWhatWasEscalatedToMe_OnceItWas()
    {
        _directory.Add("S0ESCALATE", Me);
        var decision = ByGroup with
        {
            Approval = ByGroup.Approval! with
            {
                Escalation = new ApprovalEscalation(TimeSpan.FromMinutes(30), new ApproverSet("@leads", "S0ESCALATE", []), "#leads"),
            },
        };
        var request = await RequestAsync(Other, RequestState.Pending, Now.AddMinutes(-40), decision);
        Assert.Empty((await Model().ForAsync(Me, Ct)).WaitingForMe.Items);

        await using (var tx = await _store.BeginAsync(Ct))
        {
            Assert.True(await tx.TryMarkApprovalStepAsync(request.Id, ApprovalStep.Escalate, Now, Ct));
            await tx.CommitAsync(Ct);
        }

        Assert.Equal([request.Id], (await Model().ForAsync(Me, Ct)).WaitingForMe.Items.Select(r => r.Id));
    }

    [Fact]
    public async Task WaitingForMe_WithoutAnAnswerFromSlack_ListsWhatNamesMeDirectly_AndSaysSo()
    {
        await RequestAsync(Other, RequestState.Pending, Now.AddMinutes(-10), ByGroup);
        var byName = await RequestAsync(Other, RequestState.Pending, Now.AddMinutes(-20), ByName);

        var failing = await Model(new FailingDirectory()).ForAsync(Me, Ct);
        Assert.Equal([byName.Id], failing.WaitingForMe.Items.Select(r => r.Id));
        Assert.True(failing.ApproverGroupsUnknown);

        // A directory that does not answer is given GroupLookupBudget, then the list is made without it.
        var silent = new SilentDirectory();
        var listing = Model(silent).ForAsync(Me, Ct);
        await silent.Asked.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(50); // the budget's timer starts right after the question
        _time.Advance(MyAccess.GroupLookupBudget - TimeSpan.FromMilliseconds(1));
        await Task.Delay(50);
        Assert.False(listing.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var slow = await listing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([byName.Id], slow.WaitingForMe.Items.Select(r => r.Id));
        Assert.True(slow.ApproverGroupsUnknown);
    }

    [Fact]
    public async Task EachList_IsCapped_AndCountsTheRest()
    {
        for (var i = 0; i < MyAccess.Cap + 5; i++) await GrantAsync(Me, Now.AddHours(-1), Now.AddMinutes(10 + i));

        var mine = await Model().ForAsync(Me, Ct);

        Assert.Equal(MyAccess.Cap, mine.Active.Items.Count);
        Assert.Equal(5, mine.Active.More);
        Assert.Equal(Now.AddMinutes(10), mine.Active.Items[0].ExpiresAt);
        Assert.Equal(Now.AddMinutes(10 + MyAccess.Cap - 1), mine.Active.Items[^1].ExpiresAt);
        Assert.Equal(0, mine.Pending.More);
    }

    sealed class FailingDirectory : IGroupDirectory
    {
        public Task<IReadOnlyCollection<string>> GroupsOfAsync(string userId, IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken) =>
            throw new HttpRequestException("Slack is unreachable.");

        public Task<bool> IsMemberNowAsync(string userId, string groupId, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    sealed class SilentDirectory : IGroupDirectory
    {
        public TaskCompletionSource Asked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<IReadOnlyCollection<string>> GroupsOfAsync(string userId, IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken)
        {
            Asked.TrySetResult();
            return new TaskCompletionSource<IReadOnlyCollection<string>>().Task;
        }

        public Task<bool> IsMemberNowAsync(string userId, string groupId, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
