using JitBot.Requests;
using JitBot.Storage;

namespace JitBot.Tests.Storage;

/// <summary>The store contract: claims and leases (outbox notices, revocations), set-once references, seen keys, the schema.</summary>
public abstract partial class StoreContractTests
{
    // ---- outbox ---------------------------------------------------------------------------------------

    [Fact]
    public async Task Claim_GivesEachNoticeToExactlyOneOfSeveralClaimers()
    {
        await CommitAsync(async tx =>
        {
            for (var i = 0; i < 40; i++)
                await tx.EnqueueAsync(NotificationKind.ApprovalNeeded, new RequestId($"req_claim{i:00}"), null, null, Time.GetUtcNow(), Ct);
        });

        var claims = await Task.WhenAll(new[] { "replica-a", "replica-b", "replica-c" }.Select(owner => Task.Run(async () =>
        {
            var mine = new List<long>();
            while (await Store.ClaimNotificationsAsync(owner, Time.GetUtcNow(), TimeSpan.FromMinutes(2), 3, Ct) is { Count: > 0 } batch)
                mine.AddRange(batch.Select(m => m.Id));
            return mine;
        })));

        var all = claims.SelectMany(c => c).ToList();
        Assert.Equal(40, all.Count);
        Assert.Equal(40, all.Distinct().Count());
        Assert.Equal(40, await Store.UndeliveredCountAsync(Ct));
    }

    [Fact]
    public async Task Claim_HandsOutEachRequestsNotices_InOrder_OneAtATime()
    {
        var first = new RequestId("req_order0000001");
        var other = new RequestId("req_order0000002");
        await CommitAsync(async tx =>
        {
            await tx.EnqueueAsync(NotificationKind.ApprovalNeeded, first, null, null, Time.GetUtcNow(), Ct);
            await tx.EnqueueAsync(NotificationKind.ApprovalRecorded, first, null, "{}", Time.GetUtcNow(), Ct);
            await tx.EnqueueAsync(NotificationKind.ApprovalNeeded, other, null, null, Time.GetUtcNow(), Ct);
        });

        var a = await Store.ClaimNotificationsAsync("replica-a", Time.GetUtcNow(), TimeSpan.FromMinutes(2), 10, Ct);
        var b = await Store.ClaimNotificationsAsync("replica-b", Time.GetUtcNow(), TimeSpan.FromMinutes(2), 10, Ct);

        Assert.Equal([(first, NotificationKind.ApprovalNeeded), (other, NotificationKind.ApprovalNeeded)], a.Select(m => (m.RequestId, m.Kind)));
        Assert.Empty(b); // the second notice of the first request waits for the first, claimed but not delivered
        Assert.True(await Store.MarkDeliveredAsync(a[0].Id, "replica-a", Time.GetUtcNow(), Ct));
        var next = Assert.Single(await Store.ClaimNotificationsAsync("replica-b", Time.GetUtcNow(), TimeSpan.FromMinutes(2), 10, Ct));
        Assert.Equal((first, NotificationKind.ApprovalRecorded, "{}"), (next.RequestId, next.Kind, next.Payload));
    }

    [Fact]
    public async Task Claim_WhoseLeaseRanOut_GoesToTheNextClaimer_AndOnlyTheHolderMayMarkIt()
    {
        await CommitAsync(tx => tx.EnqueueAsync(NotificationKind.GrantStarted, new RequestId("req_lease0000001"), new GrantId("grt_lease0000001"), null, Time.GetUtcNow(), Ct));
        var lease = TimeSpan.FromMinutes(2);
        var claimed = Assert.Single(await Store.ClaimNotificationsAsync("replica-a", Time.GetUtcNow(), lease, 10, Ct));

        Time.Advance(lease - TimeSpan.FromSeconds(1));
        Assert.Empty(await Store.ClaimNotificationsAsync("replica-b", Time.GetUtcNow(), lease, 10, Ct));
        Time.Advance(TimeSpan.FromSeconds(1));
        var again = Assert.Single(await Store.ClaimNotificationsAsync("replica-b", Time.GetUtcNow(), lease, 10, Ct));

        Assert.Equal(claimed.Id, again.Id);
        Assert.Equal(new GrantId("grt_lease0000001"), again.GrantId);
        Assert.False(await Store.MarkDeliveredAsync(claimed.Id, "replica-a", Time.GetUtcNow(), Ct));
        Assert.False(await Store.MarkDeliveryFailedAsync(claimed.Id, "replica-a", 1, Time.GetUtcNow(), "late", Ct));
        Assert.True(await Store.MarkDeliveredAsync(claimed.Id, "replica-b", Time.GetUtcNow(), Ct));
        Assert.False(await Store.MarkDeliveredAsync(claimed.Id, "replica-b", Time.GetUtcNow(), Ct));
        Assert.Equal(0, await Store.UndeliveredCountAsync(Ct));
        Time.Advance(lease * 2);
        Assert.Empty(await Store.ClaimNotificationsAsync("replica-c", Time.GetUtcNow(), lease, 10, Ct));
    }

    [Fact]
    public async Task FailedDelivery_ReleasesTheClaim_UntilItsNextAttempt()
    {
        await CommitAsync(tx => tx.EnqueueAsync(NotificationKind.RequestClosed, new RequestId("req_retry0000001"), null, null, Time.GetUtcNow(), Ct));
        var claimed = Assert.Single(await Store.ClaimNotificationsAsync("replica-a", Time.GetUtcNow(), TimeSpan.FromMinutes(2), 10, Ct));

        Assert.True(await Store.MarkDeliveryFailedAsync(claimed.Id, "replica-a", 1, Time.GetUtcNow().AddSeconds(5), "Slack said no", Ct));

        Assert.Empty(await Store.ClaimNotificationsAsync("replica-b", Time.GetUtcNow(), TimeSpan.FromMinutes(2), 10, Ct));
        Time.Advance(TimeSpan.FromSeconds(5));
        var retry = Assert.Single(await Store.ClaimNotificationsAsync("replica-b", Time.GetUtcNow(), TimeSpan.FromMinutes(2), 10, Ct));
        Assert.Equal((claimed.Id, 1, "Slack said no", Time.GetUtcNow()), (retry.Id, retry.Attempts, retry.LastError, retry.NextAttemptAt));
        Assert.Equal(1, await Store.UndeliveredCountAsync(Ct));
    }

    // ---- leases, references, keys, schema -------------------------------------------------------------

    [Fact]
    public async Task RevocationLease_IsHeldByOneOwner_UntilGivenBackOrRunOut()
    {
        var (_, grant) = await GrantedAsync(TimeSpan.FromHours(-1));
        var id = grant.Grant.Id;
        var lease = TimeSpan.FromSeconds(30);
        async Task<bool> LeaseAsync(GrantId grantId, string owner) =>
            (await Store.LeaseRevocationsAsync([grantId], owner, Time.GetUtcNow(), lease, Ct)).Count == 1;

        Assert.True(await LeaseAsync(id, "replica-a"));
        Assert.False(await LeaseAsync(id, "replica-b"));
        Assert.False(await LeaseAsync(id, "replica-a"));
        await Store.ReleaseRevocationsAsync([id], "replica-b", Ct); // not the holder: nothing changes
        Assert.False(await LeaseAsync(id, "replica-c"));
        await Store.ReleaseRevocationsAsync([id], "replica-a", Ct);
        Assert.True(await LeaseAsync(id, "replica-b"));
        Time.Advance(lease);
        Assert.True(await LeaseAsync(id, "replica-c"));
        await CommitAsync(tx => tx.TryMoveGrantAsync(id, GrantState.Active, GrantState.Expired, Time.GetUtcNow(), Ct));
        Time.Advance(lease);
        Assert.False(await LeaseAsync(id, "replica-d")); // ended: nothing to revoke
        Assert.False(await LeaseAsync(new GrantId("grt_nosuchgrant1"), "replica-d"));
    }

    [Fact]
    public async Task RevocationLeases_TakenTogether_CoverOnlyActiveGrantsWhoseLeaseIsFree()
    {
        var (_, a) = await GrantedAsync(TimeSpan.FromHours(-1));
        var (_, b) = await GrantedAsync(TimeSpan.FromHours(-1));
        var (_, c) = await GrantedAsync(TimeSpan.FromHours(1));
        var (_, ended) = await GrantedAsync(TimeSpan.FromHours(-1));
        await CommitAsync(tx => tx.TryMoveGrantAsync(ended.Grant.Id, GrantState.Active, GrantState.Expired, Time.GetUtcNow(), Ct));
        var lease = TimeSpan.FromSeconds(30);
        async Task<string[]> LeaseAsync(string owner, params GrantRecord[] grants) =>
            (await Store.LeaseRevocationsAsync([.. grants.Select(g => g.Grant.Id), new GrantId("grt_nosuchgrant1")], owner, Time.GetUtcNow(), lease, Ct))
            .Select(g => g.Grant.Id.Value).Order(StringComparer.Ordinal).ToArray();
        string[] Ids(params GrantRecord[] grants) => grants.Select(g => g.Grant.Id.Value).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(Ids(a), await LeaseAsync("replica-a", a));
        var taken = await Store.LeaseRevocationsAsync([a.Grant.Id, b.Grant.Id, c.Grant.Id, ended.Grant.Id, b.Grant.Id], "replica-b", Time.GetUtcNow(), lease, Ct);
        Assert.Equal(Ids(b, c), taken.Select(g => g.Grant.Id.Value).Order(StringComparer.Ordinal).ToArray()); // a is held, ended is not active
        Assert.Equal(b.Grant, taken.Single(g => g.Grant.Id == b.Grant.Id).Grant); // the grants come back as stored
        Assert.Equal(c.AccessKey, taken.Single(g => g.Grant.Id == c.Grant.Id).AccessKey);

        await Store.ReleaseRevocationsAsync([a.Grant.Id, b.Grant.Id], "replica-b", Ct); // gives back b; a is replica-a's
        Assert.Equal(Ids(b), await LeaseAsync("replica-c", a, b, c, ended));
        Time.Advance(lease);
        Assert.Equal(Ids(a, b, c), await LeaseAsync("replica-d", a, b, c, ended)); // every lease ran out
        Assert.Empty(await Store.LeaseRevocationsAsync([], "replica-e", Time.GetUtcNow(), lease, Ct));
    }

    [Fact]
    public async Task GrantsMovedTogether_MoveOnlyThoseInTheExpectedState()
    {
        var (_, a) = await GrantedAsync(TimeSpan.FromHours(-1));
        var (_, b) = await GrantedAsync(TimeSpan.FromHours(-1));
        var (_, ended) = await GrantedAsync(TimeSpan.FromHours(-1));
        await CommitAsync(tx => tx.TryMoveGrantAsync(ended.Grant.Id, GrantState.Active, GrantState.Expired, Time.GetUtcNow(), Ct));
        Assert.Single(await Store.LeaseRevocationsAsync([a.Grant.Id], "replica-a", Time.GetUtcNow(), TimeSpan.FromSeconds(30), Ct));
        Time.Advance(TimeSpan.FromMinutes(1));
        var at = Time.GetUtcNow();

        await CommitAsync(async tx =>
        {
            var moved = await tx.TryMoveGrantsAsync([a.Grant.Id, b.Grant.Id, ended.Grant.Id, new GrantId("grt_nosuchgrant1"), a.Grant.Id], GrantState.Active, GrantState.Expired, at, Ct);
            Assert.Equal(new[] { a.Grant.Id.Value, b.Grant.Id.Value }.Order(StringComparer.Ordinal), moved.Select(g => g.Value).Order(StringComparer.Ordinal));
            Assert.Empty(await tx.TryMoveGrantsAsync([a.Grant.Id], GrantState.Active, GrantState.Expired, at, Ct));
            Assert.Empty(await tx.TryMoveGrantsAsync([], GrantState.Active, GrantState.Expired, at, Ct));
        });

        foreach (var id in new[] { a.Grant.Id, b.Grant.Id })
            Assert.Equal((GrantState.Expired, (DateTimeOffset?)at), ((await Store.FindGrantAsync(id, Ct))!.Grant.State, (await Store.FindGrantAsync(id, Ct))!.Grant.EndedAt));
        Assert.NotEqual(at, (await Store.FindGrantAsync(ended.Grant.Id, Ct))!.Grant.EndedAt);
        // An ended grant's revocation lease is gone with it: nothing holds it.
        Assert.Empty(await Store.LeaseRevocationsAsync([a.Grant.Id], "replica-b", at, TimeSpan.FromSeconds(30), Ct));
    }

    [Fact]
    public async Task FindRequests_ReadsSeveralAtOnce_AsFindRequestDoes()
    {
        var (first, _) = await GrantedAsync(TimeSpan.FromHours(1));
        var (second, _) = await GrantedAsync(TimeSpan.FromHours(1));

        var found = await Store.FindRequestsAsync([first.Id, second.Id, new RequestId("req_nosuchrequest"), first.Id], Ct);

        Assert.Equal(2, found.Count);
        Assert.Equivalent(await Store.FindRequestAsync(first.Id, Ct), found.Single(r => r.Id == first.Id), strict: true);
        Assert.Equivalent(await Store.FindRequestAsync(second.Id, Ct), found.Single(r => r.Id == second.Id), strict: true);
        Assert.Empty(await Store.FindRequestsAsync([], Ct));
    }

    [Fact]
    public async Task ActiveGrantsForKeys_AreTheActiveGrantsOfEveryKeyAsked_SoonestFirst()
    {
        var (_, later) = await GrantedAsync(TimeSpan.FromHours(2), "U0LATER");
        var (_, sooner) = await GrantedAsync(TimeSpan.FromHours(1), "U0SOONER");
        var (_, ended) = await GrantedAsync(TimeSpan.FromHours(3), "U0ENDED");
        await CommitAsync(tx => tx.TryMoveGrantAsync(ended.Grant.Id, GrantState.Active, GrantState.Expired, Time.GetUtcNow(), Ct));
        Assert.NotEqual(later.AccessKey, sooner.AccessKey);

        await CommitAsync(async tx =>
        {
            var both = await tx.ActiveGrantsForKeysAsync([later.AccessKey, sooner.AccessKey, ended.AccessKey, "fake:nothing:here"], Ct);
            Assert.Equal([sooner.Grant.Id, later.Grant.Id], both.Select(g => g.Grant.Id));
            Assert.Equal([later.Grant.Id], (await tx.ActiveGrantsForKeysAsync([later.AccessKey], Ct)).Select(g => g.Grant.Id));
            Assert.Empty(await tx.ActiveGrantsForKeysAsync([], Ct));
        });
    }

    [Fact]
    public async Task MessageRefs_AreSetOnce()
    {
        var id = new RequestId("req_msgref000001");

        Assert.Null(await Store.FindAsync(id, "approval", Ct));
        await Store.SaveAsync(new MessageRef(id, "approval", "C0PAYMENTS", "1700000000.000100"), Ct);
        await Store.SaveAsync(new MessageRef(id, "dm", "D0REQUESTER", "1700000000.000200"), Ct);
        await Store.SaveAsync(new MessageRef(id, "approval", "C0OTHER", "1700000000.000300"), Ct);

        Assert.Equal(new MessageRef(id, "approval", "C0PAYMENTS", "1700000000.000100"), await Store.FindAsync(id, "approval", Ct));
        Assert.Equal(new MessageRef(id, "dm", "D0REQUESTER", "1700000000.000200"), await Store.FindAsync(id, "dm", Ct));
    }

    [Fact]
    public async Task SeenKeys_CountOnceWithinTheirWindow_EvenWhenSeenAtTheSameMoment()
    {
        var window = TimeSpan.FromMinutes(30);

        var first = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Task.Run(() => Store.FirstSeenAsync("click-1", Time.GetUtcNow(), window, Ct))));

        Assert.Single(first, seen => seen);
        Assert.True(await Store.FirstSeenAsync("click-2", Time.GetUtcNow(), window, Ct));
        Time.Advance(window);
        Assert.False(await Store.FirstSeenAsync("click-1", Time.GetUtcNow(), window, Ct));
        Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await Store.FirstSeenAsync("click-1", Time.GetUtcNow(), window, Ct));
        Assert.False(await Store.FirstSeenAsync("click-1", Time.GetUtcNow(), window, Ct));
    }

    [Fact]
    public async Task IdsKeysAndReferences_CompareExactly_NeverIgnoringCase()
    {
        var lower = NewRequest() with { Id = new RequestId("req_casecheck0001") };
        var upper = NewRequest() with { Id = new RequestId("REQ_CASECHECK0001"), RequesterId = "U0OTHER" };
        await CommitAsync(async tx =>
        {
            await tx.InsertRequestAsync(lower, null, Ct);
            await tx.InsertRequestAsync(upper, null, Ct);
        });
        await Store.SaveAsync(new MessageRef(lower.Id, "approval", "C0LOWER", "1.1"), Ct);
        await Store.SaveAsync(new MessageRef(lower.Id, "Approval", "C0UPPER", "1.2"), Ct);

        Assert.Equal("U0OTHER", (await Store.FindRequestAsync(upper.Id, Ct))!.RequesterId);
        Assert.Equal("U0REQUESTER", (await Store.FindRequestAsync(lower.Id, Ct))!.RequesterId);
        Assert.Equal("C0UPPER", (await Store.FindAsync(lower.Id, "Approval", Ct))!.Channel);
        Assert.True(await Store.FirstSeenAsync("slack-click:U0ABC", Time.GetUtcNow(), TimeSpan.FromMinutes(1), Ct));
        Assert.True(await Store.FirstSeenAsync("slack-click:u0abc", Time.GetUtcNow(), TimeSpan.FromMinutes(1), Ct));
    }

    [Fact]
    public async Task Migrate_IsSafeToRunAgainAndAtOnce_AndKeepsTheData()
    {
        var request = NewRequest();
        await CommitAsync(tx => tx.InsertRequestAsync(request, null, Ct));

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Store.MigrateAsync(Ct))));
        Database.Close(Store);
        Store = Database.Open(new OutboxSignal(), Time);
        if (Database.AllowsSeveralStores)
        {
            var second = Database.Open(new OutboxSignal(), Time);
            await Task.WhenAll(Store.MigrateAsync(Ct), second.MigrateAsync(Ct));
            Database.Close(second);
        }
        else
        {
            await Store.MigrateAsync(Ct);
            var second = Database.Open(new OutboxSignal(), Time);
            var refused = await Assert.ThrowsAsync<StorageUnavailableException>(() => second.MigrateAsync(Ct));
            Assert.Contains(StorageOptions.ConnectionStringKey, refused.Message);
            Database.Close(second);
        }

        Assert.Equal(request.Id, (await Store.FindRequestAsync(request.Id, Ct))!.Id);
    }
}
