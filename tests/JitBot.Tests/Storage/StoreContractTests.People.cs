using JitBot.Requests;
using JitBot.Storage;

namespace JitBot.Tests.Storage;

/// <summary>What a person sees: ids by prefix (short ids), a person's requests and grants, the pending requests.</summary>
public abstract partial class StoreContractTests
{
    async Task<AccessRequest> InsertRequestAsync(string id, string requester = "U0REQUESTER", RequestState state = RequestState.Pending, DateTimeOffset? createdAt = null)
    {
        var request = NewRequest() with { Id = new RequestId(id), RequesterId = requester, State = state, CreatedAt = createdAt ?? Time.GetUtcNow() };
        await CommitAsync(tx => tx.InsertRequestAsync(request, state == RequestState.Pending ? request.CreatedAt.AddHours(1) : null, Ct));
        return request;
    }

    async Task<GrantRecord> InsertGrantAsync(string id, string user, DateTimeOffset expiresAt)
    {
        var request = await InsertRequestAsync("req_" + id[4..], user, RequestState.Granted);
        var grant = new GrantRecord(
            new Grant(new GrantId(id), request.Id, user, request.ResourceId, Time.GetUtcNow(), expiresAt, GrantState.Active, null),
            "fake", $"fake:{request.ResourceId}:{user}:{id}");
        await CommitAsync(tx => tx.InsertGrantAsync(grant, Ct));
        return grant;
    }

    async Task EndGrantAsync(GrantId id, GrantState state)
    {
        await CommitAsync(async tx => Assert.True(await tx.TryMoveGrantAsync(id, GrantState.Active, state, Time.GetUtcNow(), Ct)));
    }

    [Fact]
    public async Task IdPrefix_FindsExactlyTheIdsThatStartWithIt_InIdOrder_Bounded()
    {
        await InsertGrantAsync("grt_abcd00000001", "U0A", Time.GetUtcNow().AddHours(1));
        await InsertGrantAsync("grt_abcd00000002", "U0B", Time.GetUtcNow().AddHours(1));
        await InsertGrantAsync("grt_abce00000001", "U0A", Time.GetUtcNow().AddHours(1));
        await InsertGrantAsync("grt_zzzz00000000", "U0A", Time.GetUtcNow().AddHours(1));

        Assert.Equal(["grt_abcd00000001", "grt_abcd00000002"], (await Store.FindGrantsByIdPrefixAsync("grt_abcd", 10, Ct)).Select(g => g.Grant.Id.Value));
        Assert.Equal(["grt_abcd00000001"], (await Store.FindGrantsByIdPrefixAsync("grt_abcd", 1, Ct)).Select(g => g.Grant.Id.Value));
        Assert.Equal(["grt_abce00000001"], (await Store.FindGrantsByIdPrefixAsync("grt_abce", 10, Ct)).Select(g => g.Grant.Id.Value));
        Assert.Equal(4, (await Store.FindGrantsByIdPrefixAsync("grt_", 10, Ct)).Count);
        Assert.Equal(["grt_zzzz00000000"], (await Store.FindGrantsByIdPrefixAsync("grt_zzzz00000000", 10, Ct)).Select(g => g.Grant.Id.Value));
        Assert.Empty(await Store.FindGrantsByIdPrefixAsync("grt_abcf", 10, Ct));
        // Ids compare exactly: no case folding, no wildcards, nothing that is not an id character.
        Assert.Empty(await Store.FindGrantsByIdPrefixAsync("GRT_ABCD", 10, Ct));
        Assert.Empty(await Store.FindGrantsByIdPrefixAsync("grt_%", 10, Ct));
        Assert.Empty(await Store.FindGrantsByIdPrefixAsync("grt_ab'd", 10, Ct));
        Assert.Empty(await Store.FindGrantsByIdPrefixAsync("", 10, Ct));
        // The requests behind the grants (req_abcd…) are found by their own prefix, with their votes.
        Assert.Equal(["req_abcd00000001", "req_abcd00000002"], (await Store.FindRequestsByIdPrefixAsync("req_abcd", 10, Ct)).Select(r => r.Id.Value));
        Assert.Empty(await Store.FindRequestsByIdPrefixAsync("grt_abcd", 10, Ct));
        Assert.Empty(await Store.FindRequestsByIdPrefixAsync("req_a_c", 10, Ct));
    }

    [Fact]
    public async Task RequestsByRequester_NewestFirst_SinceTheGivenTime_Bounded()
    {
        var now = Time.GetUtcNow();
        await InsertRequestAsync("req_old000000000", createdAt: now.AddDays(-8));
        var a = await InsertRequestAsync("req_a00000000000", createdAt: now.AddHours(-3));
        var b = await InsertRequestAsync("req_b00000000000", state: RequestState.Denied, createdAt: now.AddHours(-1));
        var c = await InsertRequestAsync("req_c00000000000", createdAt: now);
        await InsertRequestAsync("req_other0000000", requester: "U0OTHER", createdAt: now);
        await CommitAsync(tx => tx.TryAddVoteAsync(c.Id, new VoteRecord(new ApprovalVote("U0APPROVER", true, now), [0]), Ct));

        var mine = await Store.RequestsByRequesterAsync("U0REQUESTER", now.AddDays(-7), 10, Ct);

        Assert.Equal([c.Id, b.Id, a.Id], mine.Select(r => r.Id));
        Assert.Equal(["U0APPROVER"], mine[0].Votes.Select(v => v.ApproverId));
        Assert.Equal(RequestState.Denied, mine[1].State);
        Assert.Equal([c.Id, b.Id], (await Store.RequestsByRequesterAsync("U0REQUESTER", now.AddDays(-7), 2, Ct)).Select(r => r.Id));
        Assert.Equal([c.Id, b.Id], (await Store.RequestsByRequesterAsync("U0REQUESTER", now.AddHours(-1), 10, Ct)).Select(r => r.Id));
        Assert.Empty(await Store.RequestsByRequesterAsync("u0requester", now.AddDays(-7), 10, Ct));
    }

    [Fact]
    public async Task GrantsForUser_ActiveFirstSoonestEnding_ThenRecentlyEnded_Bounded()
    {
        var now = Time.GetUtcNow();
        var later = await InsertGrantAsync("grt_later0000000", "U0ME", now.AddHours(4));
        var sooner = await InsertGrantAsync("grt_sooner000000", "U0ME", now.AddHours(1));
        var endedLongAgo = await InsertGrantAsync("grt_longago00000", "U0ME", now.AddHours(1));
        await EndGrantAsync(endedLongAgo.Grant.Id, GrantState.Expired);
        Time.Advance(TimeSpan.FromDays(8));
        now = Time.GetUtcNow();
        var revoked = await InsertGrantAsync("grt_revoked00000", "U0ME", now.AddHours(1));
        Time.Advance(TimeSpan.FromMinutes(5));
        await EndGrantAsync(revoked.Grant.Id, GrantState.Revoked);
        var expired = await InsertGrantAsync("grt_expired00000", "U0ME", now.AddHours(1));
        Time.Advance(TimeSpan.FromMinutes(5));
        await EndGrantAsync(expired.Grant.Id, GrantState.Expired);
        await InsertGrantAsync("grt_someone00000", "U0SOMEONE", now.AddHours(1));

        var mine = await Store.GrantsForUserAsync("U0ME", Time.GetUtcNow().AddDays(-7), 10, Ct);

        // The two active ones (even though their expiry has passed, they are active until revoked), then the
        // ended ones of the last week, the most recent first; the one that ended 8 days ago is left out.
        Assert.Equal([sooner.Grant.Id, later.Grant.Id, expired.Grant.Id, revoked.Grant.Id], mine.Select(g => g.Grant.Id));
        Assert.Equal(GrantState.Revoked, mine[3].Grant.State);
        Assert.Equal([sooner.Grant.Id, later.Grant.Id], (await Store.GrantsForUserAsync("U0ME", Time.GetUtcNow().AddDays(-7), 2, Ct)).Select(g => g.Grant.Id));
        Assert.Equal(later.Grant, (await Store.GrantsForUserAsync("U0ME", Time.GetUtcNow(), 10, Ct))[1].Grant);
        Assert.Empty(await Store.GrantsForUserAsync("U0NOBODY", Time.GetUtcNow().AddDays(-7), 10, Ct));
    }

    [Fact]
    public async Task PendingRequests_OnlyPending_OldestFirst_Bounded()
    {
        var now = Time.GetUtcNow();
        var second = await InsertRequestAsync("req_second000000", createdAt: now.AddMinutes(-5));
        var first = await InsertRequestAsync("req_first0000000", requester: "U0OTHER", createdAt: now.AddMinutes(-30));
        var decided = await InsertRequestAsync("req_decided00000", createdAt: now.AddMinutes(-60));
        await CommitAsync(async tx => Assert.True(await tx.TryMoveRequestAsync(decided.Id, RequestState.Pending, RequestState.Rejected, now, "U0BOB", Ct)));
        var third = await InsertRequestAsync("req_third0000000", createdAt: now);

        Assert.Equal([first.Id, second.Id, third.Id], (await Store.PendingRequestsAsync(10, Ct)).Select(r => r.Id));
        Assert.Equal([first.Id], (await Store.PendingRequestsAsync(1, Ct)).Select(r => r.Id));

        await CommitAsync(async tx => Assert.True(await tx.TryMoveRequestAsync(first.Id, RequestState.Pending, RequestState.TimedOut, now, "timeout", Ct)));
        Assert.Equal([second.Id, third.Id], (await Store.PendingRequestsAsync(10, Ct)).Select(r => r.Id));
    }
}
